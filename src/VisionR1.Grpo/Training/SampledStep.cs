using VisionR1.Grpo.Rollout;

namespace VisionR1.Grpo.Training;

/// <summary>What the sampling rounds of one GRPO step produced (<see cref="DynamicSampler"/>).</summary>
internal sealed class SampledStep
{
    /// <summary>Every group sampled, in order, including those dynamic sampling dropped.</summary>
    public List<CompletionGroup> Sampled { get; } = [];

    /// <summary>The groups the step trains on (at most <see cref="GrpoOptions.PromptsPerStep"/>).</summary>
    public List<CompletionGroup> Kept { get; } = [];

    /// <summary>Prompts drawn from the data order.</summary>
    public int PromptsSampled { get; private set; }

    /// <summary>Sampling rounds run.</summary>
    public int Rounds { get; private set; }

    /// <summary>Seconds spent generating.</summary>
    public double GenerationSeconds { get; private set; }

    /// <summary>Seconds spent scoring.</summary>
    public double ScoringSeconds { get; private set; }

    /// <summary>Requests the engine sent again after failures.</summary>
    public int Retries { get; private set; }

    /// <summary>Adds one round of <paramref name="prompts"/> prompts, keeping the groups with reward spread when <paramref name="dropFlat"/>.</summary>
    public void AddRound(int prompts, IReadOnlyList<CompletionGroup> groups, bool dropFlat, GroupSampler sampler)
    {
        PromptsSampled += prompts;
        GenerationSeconds += sampler.LastGenerationSeconds;
        Retries += sampler.LastRetries;
        ScoringSeconds += sampler.LastScoringSeconds;
        Sampled.AddRange(groups);
        Kept.AddRange(dropFlat ? groups.Where(g => !g.ZeroSpread) : groups);
        Rounds++;
    }
}
