using VisionR1.Answers;

namespace VisionR1.Grpo.Rewards;

/// <summary>
/// 1 when the completion has exactly the <see cref="ThinkAnswerFormat"/> layout, else 0. Component:
/// <c>format</c>.
/// </summary>
public sealed class FormatReward(ThinkAnswerFormat? format = null) : PerItemReward
{
    /// <summary>The layout checked.</summary>
    public ThinkAnswerFormat Format { get; } = format ?? new ThinkAnswerFormat();

    /// <inheritdoc />
    public override string Name => "format";

    /// <inheritdoc />
    protected override RewardOutput ScoreOne(RewardInput input, int index)
    {
        bool ok = Format.IsMatch(input.Completion);
        double s = ok ? 1 : 0;
        return new RewardOutput(s, new Dictionary<string, double> { ["format"] = s }) { FormatOk = ok };
    }
}
