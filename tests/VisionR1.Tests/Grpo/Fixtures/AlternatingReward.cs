using VisionR1.Grpo.Rewards;

namespace VisionR1.Tests.Grpo.Fixtures;

/// <summary>
/// 1 for every other completion of the same prompt in a batch (the 1st, 3rd, ...), 0 for the rest, whatever the text: every
/// group of two or more has reward variance by construction, so its advantages are never all zero, on any CPU.
/// </summary>
public sealed class AlternatingReward : IRewardFunction
{
    public string Name => "alternating";

    public IReadOnlyList<RewardOutput> Score(IReadOnlyList<RewardInput> batch, CancellationToken cancellationToken = default)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        return batch.Select(x =>
        {
            int k = seen.GetValueOrDefault(x.Prompt.Id);
            seen[x.Prompt.Id] = k + 1;
            return new RewardOutput(k % 2 == 0 ? 1.0 : 0.0, new Dictionary<string, double>());
        }).ToList();
    }
}
