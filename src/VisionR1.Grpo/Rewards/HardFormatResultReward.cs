using VisionR1.Answers;

namespace VisionR1.Grpo.Rewards;

/// <summary>
/// Vision-R1's Hard Formatting Result Reward Function (HFRRF, Huang et al. 2025, §3.3): 1 only when the
/// completion has the required <c>&lt;think&gt;…&lt;/think&gt;&lt;answer&gt;…&lt;/answer&gt;</c> layout AND
/// its answer is correct, else 0. The AND gives no partial credit for format alone, which avoids the
/// reward hacking additive format rewards invite. The default reward of the library's GRPO recipe.
/// Components: <c>format</c>, <c>accuracy</c> (judged even when the format fails, for logging) and <c>hfrrf</c>.
/// </summary>
public sealed class HardFormatResultReward(IAnswerVerifier? verifier = null, ThinkAnswerFormat? format = null) : PerItemReward
{
    private readonly AccuracyReward _accuracy = new(verifier, format);

    /// <summary>The layout required.</summary>
    public ThinkAnswerFormat Format => _accuracy.Format;

    /// <inheritdoc />
    public override string Name => "hfrrf";

    /// <inheritdoc />
    protected override RewardOutput ScoreOne(RewardInput input, int index)
    {
        bool formatOk = Format.IsMatch(input.Completion), correct = _accuracy.IsCorrect(input);
        double format = formatOk ? 1 : 0;
        double accuracy = correct ? 1 : 0;
        double score = format * accuracy;
        return new RewardOutput(score, new Dictionary<string, double>
        {
            ["format"] = format,
            ["accuracy"] = accuracy,
            ["hfrrf"] = score,
        }) { Correct = correct, FormatOk = formatOk };
    }
}
