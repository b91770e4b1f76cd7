using Microsoft.Extensions.AI;
using VisionR1.Answers;

namespace VisionR1.Data.ColdStart;

/// <summary>
/// Turns a reasoning model's reply into the think/answer layout (<see cref="ThinkAnswerFormat.Compose"/> of the format
/// given, <see cref="ThinkAnswerFormat.Default"/> when none). Accepted shapes: the tags already in the text; the
/// reasoning in think tags followed by a bare answer; a text that starts inside the thinking and only closes it (as some
/// R1 servers strip the opening tag); or the thinking delivered separately as reasoning content
/// (<see cref="TextReasoningContent"/>, DeepSeek's <c>reasoning_content</c>) with the answer as the text — then
/// the reasoning becomes the think part and the text the answer part. Anything else is malformed. The spans are
/// found by <see cref="ThinkAnswerFormat.TrySplitThinking"/> and <see cref="ThinkAnswerFormat.TryFirstAnswerContent"/>.
/// </summary>
public static class ReasoningReply
{
    /// <summary>The formatted CoT; throws <see cref="MalformedReplyException"/> when the reply has no thinking or no answer.</summary>
    public static string Format(ChatResponse response, ThinkAnswerFormat? format = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        return Format(response.Text, SeparateReasoning(response), format);
    }

    /// <summary>
    /// The formatted CoT when the reply has the expected shape; otherwise the raw reply (separate reasoning, if any,
    /// put in front after an unclosed opening think tag), so that the CoT filter sees and counts truncated or
    /// shapeless outputs instead of them vanishing. Returns false in the second case.
    /// </summary>
    public static bool TryFormat(ChatResponse response, out string text, ThinkAnswerFormat? format = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        var reasoning = SeparateReasoning(response);
        try
        {
            text = Format(response.Text, reasoning, format);
            return true;
        }
        catch (MalformedReplyException)
        {
            text = string.IsNullOrWhiteSpace(reasoning) ? response.Text : $"{(format ?? ThinkAnswerFormat.Default).ThinkOpen}\n{reasoning.Trim()}\n{response.Text}";
            return false;
        }
    }

    /// <summary>The formatted CoT from the reply text and any separate reasoning text.</summary>
    public static string Format(string text, string? separateReasoning = null, ThinkAnswerFormat? format = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var f = format ?? ThinkAnswerFormat.Default;
        if (!f.TrySplitThinking(text, out var thinking, out var rest))
        {
            if (string.IsNullOrWhiteSpace(separateReasoning))
                throw new MalformedReplyException(text.Contains(f.ThinkOpen, StringComparison.Ordinal) ? "the thinking never closes (truncated reply?)" : $"the reply has no {f.ThinkOpen} section and no separate reasoning");
            thinking = separateReasoning;
            rest = text;
        }
        var answer = rest;
        if (f.TryFirstAnswerContent(rest, out var tagged, out bool closed))
        {
            if (!closed) throw new MalformedReplyException($"the {f.AnswerOpen} section never closes");
            answer = tagged;
        }
        thinking = thinking.Trim();
        answer = answer.Trim();
        if (thinking.Length == 0) throw new MalformedReplyException("the thinking is empty");
        if (answer.Length == 0) throw new MalformedReplyException("the reply has no answer after its thinking");
        var formatted = f.Compose(thinking, answer);
        // The normaliser's output must pass the strict layout the CoT filter checks (no stray tags inside).
        if (!(f with { RequireThinking = true }).IsMatch(formatted)) throw new MalformedReplyException($"the reply's thinking or answer holds another {f.ThinkOpen}/{f.AnswerOpen} tag");
        return formatted;
    }

    private static string SeparateReasoning(ChatResponse response) =>
        string.Concat(response.Messages.SelectMany(m => m.Contents).OfType<TextReasoningContent>().Select(c => c.Text));
}
