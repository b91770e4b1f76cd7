using System.Text;
using Microsoft.Extensions.AI;

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
            text = string.IsNullOrWhiteSpace(reasoning) ? response.Text : $"<think>\n{reasoning.Trim()}\n{response.Text}";
            return false;
        }
    }

    /// <summary>The formatted CoT from the reply text and any separate reasoning text.</summary>
    public static string Format(string text, string? separateReasoning = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        string thinking, rest;
        int close = text.IndexOf("</think>", StringComparison.Ordinal);
        if (close >= 0)
        {
            int open = text.IndexOf("<think>", StringComparison.Ordinal);
            thinking = open >= 0 && open < close ? text[(open + 7)..close] : text[..close];
            rest = text[(close + 8)..];
        }
        else if (!string.IsNullOrWhiteSpace(separateReasoning))
        {
            thinking = separateReasoning;
            rest = text;
        }
        else throw new MalformedReplyException(text.Contains("<think>", StringComparison.Ordinal) ? "the thinking never closes (truncated reply?)" : "the reply has no <think> section and no separate reasoning");
        var answer = rest;
        int a = rest.IndexOf("<answer>", StringComparison.Ordinal);
        if (a >= 0)
        {
            int b = rest.IndexOf("</answer>", a, StringComparison.Ordinal);
            if (b < 0) throw new MalformedReplyException("the <answer> section never closes");
            answer = rest[(a + 8)..b];
        }
        thinking = thinking.Trim();
        answer = answer.Trim();
        if (thinking.Length == 0) throw new MalformedReplyException("the thinking is empty");
        if (answer.Length == 0) throw new MalformedReplyException("the reply has no answer after its thinking");
        return $"<think>\n{thinking}\n</think>\n<answer>{answer}</answer>";
    }
}
