using VisionR1.Data.Records;
using VisionR1.Inputs;
using VisionR1.Problems;

namespace VisionR1.Data.Synthetic;

/// <summary>
/// The supervised samples that pre-train a model from scratch on the synthetic world into a stand-in for an instruct model:
/// for every problem a caption of its image and the direct answer to its question; for a share of them a short worked
/// solution in the think/answer format; and text-only arithmetic practice in the canonical forms of the world's reasoning.
/// </summary>
/// <param name="DescribePrompt">The caption request ("Describe the image.").</param>
/// <param name="DirectPrompt">The question asking for a bare answer.</param>
/// <param name="ReasoningPrompt">The question as RL and evaluation ask it (the worked solutions answer this prompt).</param>
public sealed record SyntheticPretraining(string DescribePrompt, Func<MathProblem, string> DirectPrompt, Func<MathProblem, string> ReasoningPrompt)
{
    /// <summary>Share of problems (spread evenly) that also get a worked solution (0–1).</summary>
    public double WorkedShare { get; init; }

    /// <summary>Arithmetic practice texts (<see cref="ArithmeticDrills.Canonical"/>, ten equations each).</summary>
    public int ArithmeticTexts { get; init; }

    /// <summary>Largest fact value the practice covers (the world's largest count, bar value or side); 1–9.</summary>
    public int MaxValue { get; init; } = 9;

    /// <summary>Seed of the practice texts.</summary>
    public long Seed { get; init; }

    /// <summary>The largest value a fact of <paramref name="difficulty"/> can have (counts, bar values, sides).</summary>
    public static int MaxValueOf(SyntheticDifficulty difficulty)
    {
        ArgumentNullException.ThrowIfNull(difficulty);
        return Math.Min(9, Math.Max(difficulty.MaxShapes, Math.Max(difficulty.MaxBarValue, difficulty.MaxSide)));
    }

    /// <summary>The samples for <paramref name="problems"/> (synthetic-world problems; others get only their direct answer).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="WorkedShare"/> is outside 0–1.</exception>
    public List<ChatSample> Samples(IReadOnlyList<MathProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        if (!(WorkedShare >= 0 && WorkedShare <= 1))
            throw new ArgumentOutOfRangeException(nameof(WorkedShare), WorkedShare, "WorkedShare must be between 0 and 1.");
        var samples = new List<ChatSample>(problems.Count * 3 + ArithmeticTexts);
        for (int i = 0; i < problems.Count; i++)
        {
            var p = problems[i];
            bool synthetic = SyntheticItem.IsSynthetic(p);
            var item = synthetic ? SyntheticItem.FromProblem(p) : null;
            if (item is not null)
                samples.Add(ChatSample.Supervised(p, DescribePrompt, p.Metadata?.GetValueOrDefault(SyntheticMetadataKeys.Caption) ?? item.Caption));
            samples.Add(ChatSample.Supervised(p, DirectPrompt(p), p.Answer));
            if (item is not null && EvenShare.Includes(i, WorkedShare))
                samples.Add(ChatSample.Supervised(p, ReasoningPrompt(p), item.WorkedSolution));
        }
        samples.AddRange(ArithmeticDrills.Canonical(ArithmeticTexts, Seed, MaxValue));
        return samples;
    }

    /// <summary>
    /// Texts to train a compact tokenizer on for this pre-training: the tokenizer's seed corpus, the prompts, every question,
    /// answer, caption and worked solution, arithmetic practice, and teacher outputs for up to 200 problems through the same
    /// three-step protocol the cold start uses (so its reasoning words are single tokens).
    /// </summary>
    public async Task<List<string>> TokenizerCorpusAsync(IReadOnlyList<MathProblem> problems, SyntheticTeacherOptions teacher, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(problems);
        ArgumentNullException.ThrowIfNull(teacher);
        var corpus = new List<string>(VisionR1.Text.CompactTokenizerTrainer.SeedCorpus) { DescribePrompt };
        foreach (var p in problems)
        {
            corpus.Add(DirectPrompt(p));
            corpus.Add(p.Answer);
            if (!SyntheticItem.IsSynthetic(p)) continue;
            var item = SyntheticItem.FromProblem(p);
            corpus.Add(item.Caption);
            corpus.Add(item.WorkedSolution);
        }
        corpus.AddRange(ArithmeticDrills.Canonical(50, Seed, MaxValue).Select(d => d.Prompt + " " + d.Response));
        corpus.AddRange(await SyntheticTeacherTexts.CollectAsync(problems.Take(Math.Min(200, problems.Count)).ToList(), teacher, cancellationToken).ConfigureAwait(false));
        return corpus;
    }
}
