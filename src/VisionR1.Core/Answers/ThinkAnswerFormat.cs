namespace VisionR1.Answers;

/// <summary>
/// The one definition of the response layout Vision-R1 trains for: <c>&lt;think&gt;…&lt;/think&gt;</c> then
/// <c>&lt;answer&gt;…&lt;/answer&gt;</c>, with only whitespace before, between and after (a full match: trailing
/// text fails, unlike open-r1's unanchored pattern; see answers.md, "Format rewards seen in the wild"). The
/// reasoning may span lines; the answer must not be blank and neither part may contain another tag. Used by the
/// format and accuracy rewards, the CoT filter, the reply normaliser, the answer extractor and evaluation.
/// Strictness is explicit:
/// <list type="bullet">
/// <item><see cref="RequireThinking"/>: whether blank reasoning fails (off for the reward, <see cref="Default"/>;
/// on for the CoT filter, <see cref="Strict"/>, as a sample without reasoning teaches nothing).</item>
/// <item><see cref="IgnoreTagCase"/>: whether <c>&lt;ANSWER&gt;</c> counts as the tag (off for the layout check;
/// on when an answer is only being read, <see cref="Lenient"/>).</item>
/// </list>
/// </summary>
/// <param name="ThinkTag">The reasoning tag name (default <c>think</c>).</param>
/// <param name="AnswerTag">The answer tag name (default <c>answer</c>).</param>
public sealed record ThinkAnswerFormat(string ThinkTag = "think", string AnswerTag = "answer")
{
    /// <summary>The reward's layout: empty reasoning allowed, tags matched exactly.</summary>
    public static ThinkAnswerFormat Default { get; } = new();

    /// <summary>The CoT filter's layout: reasoning and answer both non-blank, tags matched exactly.</summary>
    public static ThinkAnswerFormat Strict { get; } = new() { RequireThinking = true };

    /// <summary>For reading an answer only: tags matched whatever their case.</summary>
    public static ThinkAnswerFormat Lenient { get; } = new() { IgnoreTagCase = true };

    /// <summary>Whether blank reasoning (<c>&lt;think&gt;&lt;/think&gt;</c>) fails the layout.</summary>
    public bool RequireThinking { get; init; }

    /// <summary>Whether tags are found whatever their case (<c>&lt;Answer&gt;</c>).</summary>
    public bool IgnoreTagCase { get; init; }

    /// <summary>The opening reasoning tag, e.g. <c>&lt;think&gt;</c>.</summary>
    public string ThinkOpen => "<" + ThinkTag + ">";

    /// <summary>The closing reasoning tag, e.g. <c>&lt;/think&gt;</c>.</summary>
    public string ThinkClose => "</" + ThinkTag + ">";

    /// <summary>The opening answer tag, e.g. <c>&lt;answer&gt;</c>.</summary>
    public string AnswerOpen => "<" + AnswerTag + ">";

    /// <summary>The closing answer tag, e.g. <c>&lt;/answer&gt;</c>.</summary>
    public string AnswerClose => "</" + AnswerTag + ">";

    private StringComparison Comparison => IgnoreTagCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>Whether <paramref name="completion"/> has exactly the required layout.</summary>
    public bool IsMatch(string? completion) => TryParse(completion, out _, out _);

    /// <summary>Splits a well-formed completion into its reasoning and its answer; false when the layout is wrong.</summary>
    public bool TryParse(string? completion, out string think, out string answer)
    {
        think = "";
        answer = "";
        if (string.IsNullOrEmpty(completion)) return false;
        var cmp = Comparison;
        string thinkOpen = ThinkOpen, thinkClose = ThinkClose, answerOpen = AnswerOpen, answerClose = AnswerClose;
        var s = completion.AsSpan().Trim();
        if (!s.StartsWith(thinkOpen, cmp)) return false;
        s = s[thinkOpen.Length..];
        int endThink = s.IndexOf(thinkClose, cmp);
        if (endThink < 0) return false;
        var thinkSpan = s[..endThink];
        if (thinkSpan.Contains(thinkOpen, cmp) || thinkSpan.Contains(answerOpen, cmp) || thinkSpan.Contains(answerClose, cmp)) return false;
        if (RequireThinking && thinkSpan.IsWhiteSpace()) return false;
        s = s[(endThink + thinkClose.Length)..].TrimStart();
        if (!s.StartsWith(answerOpen, cmp) || !s.EndsWith(answerClose, cmp) || s.Length < answerOpen.Length + answerClose.Length) return false;
        var answerSpan = s[answerOpen.Length..^answerClose.Length];
        if (answerSpan.Contains(answerOpen, cmp) || answerSpan.Contains(answerClose, cmp)
            || answerSpan.Contains(thinkOpen, cmp) || answerSpan.Contains(thinkClose, cmp)
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
        return TryAnswerContent(completion, out var content) ? content : completion;
    }

    /// <summary>The content of the last answer tag (to the end of the text when it is never closed); false when there is none.</summary>
    public bool TryAnswerContent(string text, out string content)
    {
        ArgumentNullException.ThrowIfNull(text);
        content = "";
        var cmp = Comparison;
        int start = text.LastIndexOf(AnswerOpen, cmp);
        if (start < 0) return false;
        start += AnswerOpen.Length;
        int end = text.IndexOf(AnswerClose, start, cmp);
        content = end < 0 ? text[start..] : text[start..end];
        return true;
    }

    /// <summary>The layout written out: <c>&lt;think&gt;\n{thinking}\n&lt;/think&gt;\n&lt;answer&gt;{answer}&lt;/answer&gt;</c> (both trimmed).</summary>
    public string Compose(string thinking, string answer)
    {
        ArgumentNullException.ThrowIfNull(thinking);
        ArgumentNullException.ThrowIfNull(answer);
        return $"{ThinkOpen}\n{thinking.Trim()}\n{ThinkClose}\n{AnswerOpen}{answer.Trim()}{AnswerClose}";
    }

    /// <summary>Reasoning put in front of a reply that lacks it: <c>&lt;think&gt;\n{thinking}\n&lt;/think&gt;\n{rest}</c> (both trimmed).</summary>
    public string PrependThinking(string thinking, string rest)
    {
        ArgumentNullException.ThrowIfNull(thinking);
        ArgumentNullException.ThrowIfNull(rest);
        return $"{ThinkOpen}\n{thinking.Trim()}\n{ThinkClose}\n{rest.Trim()}";
    }
}
