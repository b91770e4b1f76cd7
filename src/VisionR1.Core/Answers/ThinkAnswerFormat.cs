namespace VisionR1.Answers;

/// <summary>
/// The one definition of the response layout Vision-R1 trains for: the reasoning inside the think tags, then the
/// answer inside the answer tags (<see cref="ThinkOpen"/>…<see cref="ThinkClose"/> then
/// <see cref="AnswerOpen"/>…<see cref="AnswerClose"/>), with only whitespace before, between and after (a full match:
/// trailing text fails, unlike open-r1's unanchored pattern; see answers.md, "Format rewards seen in the wild"). The
/// reasoning may span lines; the answer must not be blank and neither part may contain another tag. Used by the
/// format and accuracy rewards, the CoT filter, the reply normaliser, the answer extractor, the synthetic teacher,
/// the compact tokenizer's seed corpus and evaluation: no other code spells the tags.
/// Strictness is explicit:
/// <list type="bullet">
/// <item><see cref="RequireThinking"/>: whether blank reasoning fails (off for the reward, <see cref="Default"/>;
/// on for the CoT filter, <see cref="Strict"/>, as a sample without reasoning teaches nothing).</item>
/// <item><see cref="IgnoreTagCase"/>: whether an upper-case answer tag counts as the tag (off for the layout check;
/// on when an answer is only being read, <see cref="Lenient"/>).</item>
/// </list>
/// </summary>
/// <param name="ThinkTag">The reasoning tag name (default <see cref="DefaultThinkTag"/>).</param>
/// <param name="AnswerTag">The answer tag name (default <see cref="DefaultAnswerTag"/>).</param>
public sealed record ThinkAnswerFormat(string ThinkTag = ThinkAnswerFormat.DefaultThinkTag, string AnswerTag = ThinkAnswerFormat.DefaultAnswerTag)
{
    /// <summary>The reasoning tag name of the Vision-R1 (and DeepSeek-R1) template: <c>think</c>.</summary>
    public const string DefaultThinkTag = "think";

    /// <summary>The answer tag name of the Vision-R1 template: <c>answer</c>.</summary>
    public const string DefaultAnswerTag = "answer";

    /// <summary>The opening reasoning tag of the default tag names, as a constant (for default parameter values and prompt constants).</summary>
    public const string DefaultThinkOpen = "<" + DefaultThinkTag + ">";

    /// <summary>The closing reasoning tag of the default tag names, as a constant.</summary>
    public const string DefaultThinkClose = "</" + DefaultThinkTag + ">";

    /// <summary>The opening answer tag of the default tag names, as a constant.</summary>
    public const string DefaultAnswerOpen = "<" + DefaultAnswerTag + ">";

    /// <summary>The closing answer tag of the default tag names, as a constant.</summary>
    public const string DefaultAnswerClose = "</" + DefaultAnswerTag + ">";

    /// <summary>The reward's layout: empty reasoning allowed, tags matched exactly.</summary>
    public static ThinkAnswerFormat Default { get; } = new();

    /// <summary>The CoT filter's layout: reasoning and answer both non-blank, tags matched exactly.</summary>
    public static ThinkAnswerFormat Strict { get; } = new() { RequireThinking = true };

    /// <summary>For reading an answer only: tags matched whatever their case.</summary>
    public static ThinkAnswerFormat Lenient { get; } = new() { IgnoreTagCase = true };

    /// <summary>Whether blank reasoning (nothing but whitespace between the think tags) fails the layout.</summary>
    public bool RequireThinking { get; init; }

    /// <summary>Whether tags are found whatever their case (an answer tag written with capitals counts).</summary>
    public bool IgnoreTagCase { get; init; }

    /// <summary>The opening reasoning tag (<see cref="DefaultThinkOpen"/> for the default names).</summary>
    public string ThinkOpen => "<" + ThinkTag + ">";

    /// <summary>The closing reasoning tag (<see cref="DefaultThinkClose"/> for the default names).</summary>
    public string ThinkClose => "</" + ThinkTag + ">";

    /// <summary>The opening answer tag (<see cref="DefaultAnswerOpen"/> for the default names).</summary>
    public string AnswerOpen => "<" + AnswerTag + ">";

    /// <summary>The closing answer tag (<see cref="DefaultAnswerClose"/> for the default names).</summary>
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

    /// <summary>The layout described for messages and prompts: the four tags with an ellipsis for each content.</summary>
    public string LayoutText => ThinkOpen + "…" + ThinkClose + AnswerOpen + "…" + AnswerClose;

    /// <summary>
    /// The content of the last answer span that closes, the spans read left to right as a lazy pattern reads them:
    /// each from an opening answer tag to the first closing tag after it, the next search starting after that close
    /// (so a stray opening tag inside a span stays part of it). False when no span closes.
    /// </summary>
    public bool TryLastClosedAnswer(string text, out string content)
    {
        ArgumentNullException.ThrowIfNull(text);
        content = "";
        var cmp = Comparison;
        string open = AnswerOpen, close = AnswerClose;
        bool found = false;
        for (int at = 0; at < text.Length;)
        {
            int start = text.IndexOf(open, at, cmp);
            if (start < 0) break;
            start += open.Length;
            int end = text.IndexOf(close, start, cmp);
            if (end < 0) break;
            content = text[start..end];
            found = true;
            at = end + close.Length;
        }
        return found;
    }

    /// <summary>
    /// The content of the first answer tag (to the end of the text when it is never closed, then
    /// <paramref name="closed"/> is false); false when there is no opening answer tag.
    /// </summary>
    public bool TryFirstAnswerContent(string text, out string content, out bool closed)
    {
        ArgumentNullException.ThrowIfNull(text);
        content = "";
        closed = false;
        var cmp = Comparison;
        int start = text.IndexOf(AnswerOpen, cmp);
        if (start < 0) return false;
        start += AnswerOpen.Length;
        int end = text.IndexOf(AnswerClose, start, cmp);
        closed = end >= 0;
        content = closed ? text[start..end] : text[start..];
        return true;
    }

    /// <summary>
    /// Splits a reply at its first closing reasoning tag: <paramref name="thinking"/> is what comes before it (after the
    /// opening tag when one comes first, else from the start, as some R1 servers strip the opening tag) and
    /// <paramref name="rest"/> what follows it. False when the reasoning never closes.
    /// </summary>
    public bool TrySplitThinking(string text, out string thinking, out string rest)
    {
        ArgumentNullException.ThrowIfNull(text);
        thinking = "";
        rest = "";
        var cmp = Comparison;
        int close = text.IndexOf(ThinkClose, cmp);
        if (close < 0) return false;
        int open = text.IndexOf(ThinkOpen, cmp);
        thinking = open >= 0 && open < close ? text[(open + ThinkOpen.Length)..close] : text[..close];
        rest = text[(close + ThinkClose.Length)..];
        return true;
    }

    /// <summary>The tags around the two parts exactly as given (nothing trimmed, nothing between): the raw form of <see cref="Compose"/>.</summary>
    public string Wrap(string thinking, string answer)
    {
        ArgumentNullException.ThrowIfNull(thinking);
        ArgumentNullException.ThrowIfNull(answer);
        return ThinkOpen + thinking + ThinkClose + AnswerOpen + answer + AnswerClose;
    }

    /// <summary>The layout written out: the opening think tag, a newline, the reasoning, a newline, the closing think tag, a newline, then the answer inside the answer tags (reasoning and answer trimmed).</summary>
    public string Compose(string thinking, string answer)
    {
        ArgumentNullException.ThrowIfNull(thinking);
        ArgumentNullException.ThrowIfNull(answer);
        return $"{ThinkOpen}\n{thinking.Trim()}\n{ThinkClose}\n{AnswerOpen}{answer.Trim()}{AnswerClose}";
    }

    /// <summary>Reasoning put in front of a reply that lacks it: the think tags around the reasoning as in <see cref="Compose"/>, a newline, then <paramref name="rest"/> (both trimmed).</summary>
    public string PrependThinking(string thinking, string rest)
    {
        ArgumentNullException.ThrowIfNull(thinking);
        ArgumentNullException.ThrowIfNull(rest);
        return $"{ThinkOpen}\n{thinking.Trim()}\n{ThinkClose}\n{rest.Trim()}";
    }
}
