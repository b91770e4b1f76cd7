namespace VisionR1.Grpo.Rewards;

/// <summary>
/// The response layout Vision-R1 trains for: exactly <c>&lt;think&gt;…&lt;/think&gt;</c> then
/// <c>&lt;answer&gt;…&lt;/answer&gt;</c>, with only whitespace before, between and after (a full match:
/// trailing text fails, unlike open-r1's unanchored pattern; see answers.md, "Format rewards seen in
/// the wild"). The reasoning may span lines and may be empty; the answer must not be blank and may not
/// contain another tag.
/// </summary>
/// <param name="ThinkTag">The reasoning tag name (default <c>think</c>).</param>
/// <param name="AnswerTag">The answer tag name (default <c>answer</c>).</param>
public sealed record ThinkAnswerFormat(string ThinkTag = "think", string AnswerTag = "answer")
{
    /// <summary>Whether <paramref name="completion"/> has exactly the required layout.</summary>
    public bool IsMatch(string? completion) => TryParse(completion, out _, out _);

    /// <summary>Splits a well-formed completion into its reasoning and its answer; false when the layout is wrong.</summary>
    public bool TryParse(string? completion, out string think, out string answer)
    {
        think = "";
        answer = "";
        if (string.IsNullOrEmpty(completion)) return false;
        string thinkOpen = "<" + ThinkTag + ">", thinkClose = "</" + ThinkTag + ">";
        string answerOpen = "<" + AnswerTag + ">", answerClose = "</" + AnswerTag + ">";
        var s = completion.AsSpan().Trim();
        if (!s.StartsWith(thinkOpen, StringComparison.Ordinal)) return false;
        s = s[thinkOpen.Length..];
        int endThink = s.IndexOf(thinkClose, StringComparison.Ordinal);
        if (endThink < 0) return false;
        var thinkSpan = s[..endThink];
        if (thinkSpan.Contains(thinkOpen, StringComparison.Ordinal)) return false;
        s = s[(endThink + thinkClose.Length)..].TrimStart();
        if (!s.StartsWith(answerOpen, StringComparison.Ordinal) || !s.EndsWith(answerClose, StringComparison.Ordinal)) return false;
        var answerSpan = s[answerOpen.Length..^answerClose.Length];
        if (answerSpan.Contains(answerOpen, StringComparison.Ordinal) || answerSpan.Contains(answerClose, StringComparison.Ordinal)
            || answerSpan.Contains(thinkOpen, StringComparison.Ordinal) || answerSpan.Contains(thinkClose, StringComparison.Ordinal)
            || answerSpan.IsWhiteSpace())
            return false;
        think = thinkSpan.ToString();
        answer = answerSpan.ToString();
        return true;
    }

    /// <summary>
    /// The text the accuracy reward judges: the content of the last answer tag when there is one
    /// (whether or not the whole layout is right), else the whole completion.
    /// </summary>
    public string AnswerText(string? completion)
    {
        if (string.IsNullOrEmpty(completion)) return "";
        string open = "<" + AnswerTag + ">", close = "</" + AnswerTag + ">";
        int start = completion.LastIndexOf(open, StringComparison.Ordinal);
        if (start < 0) return completion;
        start += open.Length;
        int end = completion.IndexOf(close, start, StringComparison.Ordinal);
        return end < 0 ? completion[start..] : completion[start..end];
    }
}
