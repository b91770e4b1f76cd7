using VisionR1.Grpo.Policies;
using VisionR1.Grpo.Rewards;
using VisionR1.Grpo.Rollout;
using VisionR1.Grpo.Training;
using VisionR1.Inputs;
using static TorchSharp.torch;

namespace VisionR1.Tests.Grpo.Fixtures;

/// <summary>
/// The verifiable toy task: the prompt "a+b=" (digits 0..MaxDigit), the required completion "&lt;a&gt;S&lt;/a&gt;" with S = a + b,
/// then end-of-sequence. The reward is 1 only for the right format AND the right sum (a hard format-result reward).
/// </summary>
public static class SumTask
{
    public const int MaxDigit = 2;

    public static IReadOnlyList<GrpoPrompt> Prompts() =>
        (from a in Enumerable.Range(0, MaxDigit + 1)
         from b in Enumerable.Range(0, MaxDigit + 1)
         select new GrpoPrompt($"{a}+{b}", $"{a}+{b}=", (a + b).ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();

    /// <summary>
    /// SFT samples that teach the format, with the right sum in only a fraction of them (the others carry a random
    /// digit): a policy fitted to them answers in format but is right well under half the time.
    /// </summary>
    public static IReadOnlyList<(string Prompt, string Answer)> WarmUpSamples(int count, int seed, double correctFraction)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            int a = rng.Next(MaxDigit + 1), b = rng.Next(MaxDigit + 1);
            int answer = rng.NextDouble() < correctFraction ? a + b : rng.Next(2 * MaxDigit + 1);
            return ($"{a}+{b}=", $"<a>{answer}</a>");
        }).ToList();
    }

    /// <summary>SFT samples with the right answers.</summary>
    public static IReadOnlyList<(string Prompt, string Answer)> CorrectSamples() =>
        Prompts().Select(p => (p.Prompt, $"<a>{p.GroundTruth}</a>")).ToList();
}

/// <summary>Encodes "a+b=" as [bos, a, +, b, =], left-padded.</summary>
public sealed class SumPromptEncoder : IPromptEncoder
{
    private readonly TinyTokenizer _tok = new();

    public MultimodalBatch Encode(IReadOnlyList<GrpoPrompt> prompts)
    {
        var rows = prompts.Select(p => new[] { TinyTokenizer.Bos }.Concat(_tok.Encode(p.Prompt)).Select(i => (long)i).ToArray()).ToList();
        return Pad(rows);
    }

    internal static MultimodalBatch Pad(IReadOnlyList<long[]> rows)
    {
        int t = rows.Max(r => r.Length);
        var ids = new long[rows.Count * t];
        var mask = new long[rows.Count * t];
        for (int i = 0; i < rows.Count; i++)
        {
            int off = t - rows[i].Length;
            rows[i].CopyTo(ids, i * t + off);
            mask.AsSpan(i * t + off, rows[i].Length).Fill(1);
        }
        return new MultimodalBatch(tensor(ids, new long[] { rows.Count, t }), tensor(mask, new long[] { rows.Count, t }), null, null);
    }
}

/// <summary>1 when the completion is exactly "&lt;a&gt;S&lt;/a&gt;" with the right S; components "format" and "accuracy".</summary>
public sealed class SumReward : IRewardFunction
{
    public string Name => "hard_format_result";

    public IReadOnlyList<RewardOutput> Score(IReadOnlyList<RewardInput> batch, CancellationToken cancellationToken = default) =>
        batch.Select(x =>
        {
            var t = x.Completion;
            bool format = t.Length >= 8 && t.StartsWith("<a>", StringComparison.Ordinal) && t.EndsWith("</a>", StringComparison.Ordinal) && t[3..^4].All(char.IsAsciiDigit) && t.Length > 7;
            bool correct = format && t[3..^4] == x.GroundTruth;
            return new RewardOutput(format && correct ? 1.0 : 0.0, new Dictionary<string, double> { ["format"] = format ? 1 : 0, ["accuracy"] = correct ? 1 : 0 });
        }).ToList();
}

/// <summary>Collates (prompt, answer) pairs into [bos prompt answer eos] with the loss on "answer eos".</summary>
public sealed class SumSftCollator : ISftCollator<(string Prompt, string Answer)>
{
    private readonly TinyTokenizer _tok = new();

    public SftBatch Collate(IReadOnlyList<(string Prompt, string Answer)> samples)
    {
        var rows = new List<long[]>();
        var masks = new List<long[]>();
        foreach (var (p, a) in samples)
        {
            var prompt = new[] { TinyTokenizer.Bos }.Concat(_tok.Encode(p)).Select(i => (long)i).ToArray();
            var answer = _tok.Encode(a).Append(TinyTokenizer.Eos).Select(i => (long)i).ToArray();
            rows.Add(prompt.Concat(answer).ToArray());
            masks.Add(Enumerable.Repeat(0L, prompt.Length).Concat(Enumerable.Repeat(1L, answer.Length)).ToArray());
        }
        var batch = SumPromptEncoder.Pad(rows);
        int t = (int)batch.SequenceLength;
        var lm = new long[rows.Count * t];
        for (int i = 0; i < rows.Count; i++) masks[i].CopyTo(lm, i * t + t - masks[i].Length);
        return new SftBatch(batch, tensor(lm, new long[] { rows.Count, t }));
    }
}
