using System.Text;
using Microsoft.Extensions.AI;
using VisionR1.Answers;

namespace VisionR1.Data.Benchmarks;

/// <summary>
/// Extracts answers with a judge model over any <see cref="IChatClient"/>, as the official MathVista and
/// MathVerse pipelines do with a GPT model. Deterministic decoding (temperature 0). A reply that is empty or
/// a failed call falls back to <see cref="AnswerExtractionMode.MathVistaRules"/>; cancellation is not swallowed.
/// </summary>
/// <param name="client">The judge endpoint.</param>
/// <param name="model">Model id to request, or null for the client's default.</param>
public sealed class ChatJudgeAnswerExtractor(IChatClient client, string? model = null) : IAnswerExtractor
{
    /// <summary>The instruction given to the judge (our wording of the task the official extractors describe).</summary>
    public const string Instruction =
        "You read a model's response to a question and copy out its final answer only. "
        + "For a multiple-choice question reply with the option letter. For a numeric question reply with the number alone "
        + "(no units). For a list reply with a Python-style list such as [1, 2]. If the response gives no answer, reply with an empty line.";

    /// <inheritdoc />
    public async ValueTask<string> ExtractAsync(ExtractionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Response.Length == 0) return "";
        var prompt = new StringBuilder()
            .AppendLine(Instruction).AppendLine()
            .Append("Question: ").AppendLine(request.Question);
        if (request.Choices is { Count: > 0 } choices)
            for (int i = 0; i < choices.Count; i++) prompt.Append('(').Append((char)('A' + i)).Append(") ").AppendLine(choices[i]);
        prompt.Append("Answer type: ").AppendLine(request.IsMultipleChoice ? "option letter" : request.AnswerType)
            .AppendLine().Append("Model response: ").AppendLine(request.Response)
            .AppendLine().Append("Extracted answer:");
        try
        {
            var reply = await client.GetResponseAsync(
                [new ChatMessage(ChatRole.User, prompt.ToString())],
                new ChatOptions { Temperature = 0, ModelId = model },
                cancellationToken).ConfigureAwait(false);
            var text = reply.Text.Trim();
            if (text.Length > 0) return text;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // fall back to the rules below
        }
        return AnswerExtractor.Extract(request, AnswerExtractionMode.MathVistaRules);
    }
}
