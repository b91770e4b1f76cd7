using VisionR1.Inputs;
using VisionR1.Problems;

namespace VisionR1.Data.Records;

/// <summary>
/// One finished cold-start sample of the modality-bridging construction: the intermediate
/// texts of steps 1 and 2 and the reasoning model's CoT of step 3, keyed by the problem id.
/// </summary>
/// <param name="Id">The problem's id (the key of the append-only output).</param>
/// <param name="Question">The question.</param>
/// <param name="Answer">The ground-truth answer.</param>
/// <param name="Images">The problem's images (the text CoT is paired back with them).</param>
/// <param name="PseudoCot">Step 1: the MLLM's caption plus step-by-step reasoning given the answer.</param>
/// <param name="Description">Step 2: the detailed description written with the Pseudo-CoT's help.</param>
/// <param name="Response">Step 3: the reasoning model's output as <c>&lt;think&gt;…&lt;/think&gt;&lt;answer&gt;…&lt;/answer&gt;</c>.</param>
/// <param name="InputTokens">Input tokens spent on this sample over the three steps.</param>
/// <param name="OutputTokens">Output tokens spent on this sample over the three steps.</param>
public sealed record ColdStartRecord(
    string Id,
    string Question,
    string Answer,
    IReadOnlyList<ImageRef> Images,
    string PseudoCot,
    string Description,
    string Response,
    long InputTokens = 0,
    long OutputTokens = 0)
{
    /// <summary>The record as a chat sample (user: image tokens + question; assistant: the CoT).</summary>
    public ChatSample ToChatSample() => new(
        Id,
        [
            ChatTurn.User(string.Concat(Enumerable.Repeat(ChatSample.ImageToken, Images.Count)) + Question),
            ChatTurn.Assistant(Response),
        ],
        Images);
}
