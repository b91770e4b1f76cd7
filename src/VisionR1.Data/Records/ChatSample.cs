using VisionR1.Inputs;
using VisionR1.Problems;

namespace VisionR1.Data.Records;

/// <summary>
/// The supervised (SFT) sample: a chat in the ShareGPT layout Vision-R1-cold is published in:
/// <c>{"id", "conversations": [{"from": "human", "value": "&lt;image&gt;..."}, {"from": "gpt", "value": "…"}], "images": [...]}</c>,
/// the reply in the think/answer layout (the OpenAI-style <c>messages</c>/<c>role</c>/<c>content</c> spelling is read as well). Its turns are the model's
/// <see cref="ChatTurn"/>s as the file holds them: text parts in which <see cref="ImageToken"/> marks where an image of
/// <see cref="Images"/> appears; <see cref="ToConversation"/> puts the images in their place and gives the conversation that
/// <c>ChatSftCollator</c> trains on. A sample about a problem is made with <see cref="Supervised"/>.
/// </summary>
/// <param name="Id">A stable identifier.</param>
/// <param name="Turns">The conversation in order (roles <see cref="ChatTurn.SystemRole"/>, <see cref="ChatTurn.UserRole"/>, <see cref="ChatTurn.AssistantRole"/>).</param>
/// <param name="Images">The images, in the order of the image tokens.</param>
/// <param name="Problem">
/// The typed problem the sample answers (choices, answer type, precision, unit, metadata), when the sample was built from one
/// (the CoT filter's output keeps it); null for chat data from elsewhere.
/// </param>
public sealed record ChatSample(string Id, IReadOnlyList<ChatTurn> Turns, IReadOnlyList<ImageRef> Images, MathProblem? Problem = null)
{
    /// <summary>The placeholder that marks an image in a turn (LLaMA-Factory's convention).</summary>
    public const string ImageToken = "<image>";

    /// <summary>
    /// The one-exchange sample about <paramref name="problem"/>: the user asks <paramref name="prompt"/> (the problem's images shown
    /// before it, see <see cref="ToConversation"/>) and the assistant replies <paramref name="response"/>, the training target.
    /// The id and images are the problem's, which the sample keeps.
    /// </summary>
    public static ChatSample Supervised(MathProblem problem, string prompt, string response)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(response);
        return new(problem.Id, [ChatTurn.User(prompt), ChatTurn.Assistant(response)], problem.Images, problem);
    }

    /// <summary>The first user turn's text (with its image tokens), or "".</summary>
    public string Prompt => Turns.FirstOrDefault(t => t.Role == ChatTurn.UserRole)?.Text ?? "";

    /// <summary>The last assistant turn's text, or "".</summary>
    public string Response => Turns.LastOrDefault(t => t.Role == ChatTurn.AssistantRole)?.Text ?? "";

    /// <summary>
    /// The conversation the chat template takes: each <see cref="ImageToken"/> replaced by an <see cref="ImageRefPart"/> of the
    /// next image; a sample without tokens gets its images before the first user turn's text. Images stay references.
    /// </summary>
    /// <exception cref="InvalidOperationException">The tokens do not match the images, or images have no user turn to go in.</exception>
    public IReadOnlyList<ChatTurn> ToConversation()
    {
        int tokens = Turns.Sum(t => t.Parts.OfType<TextPart>().Sum(p => Count(p.Text)));
        if (tokens != 0 && tokens != Images.Count)
            throw new InvalidOperationException($"Sample '{Id}': {tokens} {ImageToken} token(s) but {Images.Count} image(s).");
        var result = new List<ChatTurn>(Turns.Count);
        int next = 0;
        bool placed = Images.Count == 0 || tokens != 0;
        foreach (var turn in Turns)
        {
            var parts = new List<ChatPart>();
            if (!placed && turn.Role == ChatTurn.UserRole)
            {
                parts.AddRange(Images.Select(i => new ImageRefPart(i)));
                placed = true;
            }
            foreach (var part in turn.Parts)
            {
                if (part is not TextPart text) { parts.Add(part); continue; }
                var pieces = text.Text.Split(ImageToken);
                for (int k = 0; k < pieces.Length; k++)
                {
                    if (k > 0) parts.Add(new ImageRefPart(Images[next++]));
                    if (pieces[k].Length > 0) parts.Add(new TextPart(pieces[k]));
                }
            }
            result.Add(turn with { Parts = parts });
        }
        if (!placed) throw new InvalidOperationException($"Sample '{Id}': {Images.Count} image(s) but no user turn to hold them.");
        return result;
    }

    private static int Count(string text)
    {
        int n = 0;
        for (int i = text.IndexOf(ImageToken, StringComparison.Ordinal); i >= 0; i = text.IndexOf(ImageToken, i + ImageToken.Length, StringComparison.Ordinal)) n++;
        return n;
    }
}
