using VisionR1.Data.Records;
using VisionR1.Grpo.Training;
using VisionR1.Inputs;
using ChatTurn = VisionR1.Inputs.ChatTurn;

namespace VisionR1.Trainer.Pipeline;

/// <summary>One supervised conversation about a problem: the user's text (after the images) and the assistant's reply.</summary>
/// <param name="Problem">The problem whose images the user turn shows.</param>
/// <param name="Prompt">The user's text.</param>
/// <param name="Response">The assistant's reply (the training target).</param>
public sealed record SupervisedSample(MathProblem Problem, string Prompt, string Response);

/// <summary>Collates <see cref="SupervisedSample"/>s for SFT, processing images as each batch is built.</summary>
public sealed class SupervisedSampleCollator(ChatTemplate template, ProblemImages images) : ISftCollator<SupervisedSample>
{
    private readonly ChatSftCollator _inner = new(template);

    /// <inheritdoc />
    public SftBatch Collate(IReadOnlyList<SupervisedSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var conversations = samples.Select(s =>
        {
            var turns = PipelinePrompts.User(images.Load(s.Problem), s.Prompt);
            turns.Add(ChatTurn.Assistant(s.Response));
            return (IReadOnlyList<ChatTurn>)turns;
        }).ToList();
        return _inner.Collate(conversations);
    }
}
