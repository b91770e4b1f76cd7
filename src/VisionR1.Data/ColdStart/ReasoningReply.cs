using System.Text;
using Microsoft.Extensions.AI;
using VisionR1.Answers;

namespace VisionR1.Data.ColdStart;

/// <summary>
/// Turns a reasoning model's reply into <c>&lt;think&gt;…&lt;/think&gt;\n&lt;answer&gt;…&lt;/answer&gt;</c>.
/// Accepted shapes: the tags already in the text; <c>&lt;think&gt;…&lt;/think&gt;</c> followed by a bare answer;
/// a text that starts inside the thinking and only closes it (<c>…&lt;/think&gt;answer</c>, as some R1 servers
/// strip the opening tag); or the thinking delivered separately as reasoning content
/// (<see cref="TextReasoningContent"/>, DeepSeek's <c>reasoning_content</c>) with the answer as the text — then
/// the reasoning becomes the think part and the text the answer part. Anything else is malformed.
/// </summary>
public static class ReasoningReply
{
    /// <summary>The formatted CoT; throws <see cref="MalformedReplyException"/> when the reply has no thinking or no answer.</summary>
    public static string Format(ChatResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var reasoning = new StringBuilder();
        foreach (var m in response.Messages)
            foreach (var c in m.Contents.OfType<TextReasoningContent>())
                reasoning.Append(c.Text);
        return Format(response.Text, reasoning.ToString());
    }

    /// <summary>
    /// The formatted CoT when the reply has the expected shape; otherwise the raw reply (separate reasoning, if any,
    /// put in front after an unclosed <c>&lt;think&gt;</c>), so that the CoT filter sees and counts truncated or
    /// shapeless outputs instead of them vanishing. Returns false in the second case.
    /// </summary>
    public static bool TryFormat(ChatResponse response, out string text)
    {
        ArgumentNullException.ThrowIfNull(response);
        var reasoning = string.Concat(response.Messages.SelectMany(m => m.Contents).OfType<TextReasoningContent>().Select(c => c.Text));
        try
        {
            text = Format(response.Text, reasoning);
            return true;
        }
        catch (MalformedReplyException)
        {
            text = string.IsNullOrWhiteSpace(reasoning) ? response.Text : $"{Layout.ThinkOpen}\n{reasoning.Trim()}\n{response.Text}";
            return false;
        }
    }

    /// <summary>The formatted CoT from the reply text and any separate reasoning text.</summary>
    public static string Format(string text, string? separateReasoning = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        string thinking, rest;
        var f = Layout;
        int close = text.IndexOf(f.ThinkClose, StringComparison.Ordinal);
        if (close >= 0)
        {
            int open = text.IndexOf(f.ThinkOpen, StringComparison.Ordinal);
            thinking = open >= 0 && open < close ? text[(open + f.ThinkOpen.Length)..close] : text[..close];
            rest = text[(close + f.ThinkClose.Length)..];
        }
        else if (!string.IsNullOrWhiteSpace(separateReasoning))
        {
            thinking = separateReasoning;
            rest = text;
        }
        else throw new MalformedReplyException(text.Contains(f.ThinkOpen, StringComparison.Ordinal) ? "the thinking never closes (truncated reply?)" : "the reply has no <think> section and no separate reasoning");
        var answer = rest;
        int a = rest.IndexOf(f.AnswerOpen, StringComparison.Ordinal);
        if (a >= 0)
        {
            int b = rest.IndexOf(f.AnswerClose, a, StringComparison.Ordinal);
            if (b < 0) throw new MalformedReplyException("the <answer> section never closes");
            answer = rest[(a + f.AnswerOpen.Length)..b];
        }
        thinking = thinking.Trim();
        answer = answer.Trim();
        if (thinking.Length == 0) throw new MalformedReplyException("the thinking is empty");
        if (answer.Length == 0) throw new MalformedReplyException("the reply has no answer after its thinking");
        var formatted = f.Compose(thinking, answer);
        // The normaliser's output must pass the strict layout the CoT filter checks (no stray tags inside).
        if (!ThinkAnswerFormat.Strict.IsMatch(formatted)) throw new MalformedReplyException("the reply's thinking or answer holds another <think>/<answer> tag");
        return formatted;
    }

    /// <summary>The layout written: <see cref="ThinkAnswerFormat.Default"/>'s tags.</summary>
    private static ThinkAnswerFormat Layout => ThinkAnswerFormat.Default;
}
