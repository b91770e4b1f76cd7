using System.Diagnostics;
using System.Globalization;
using VisionR1.Answers;
using VisionR1.Data.Readers;
using VisionR1.Data.Synthetic;
using VisionR1.Grpo.Evaluation;
using VisionR1.Grpo.Policies;
using VisionR1.Grpo.Rollout;
using VisionR1.Grpo.Rollout.Engines;
using VisionR1.Inputs;
using VisionR1.Model;
using VisionR1.Runtime;
using VisionR1.Text;

namespace VisionR1.Benchmarks;

/// <summary>
/// `-- concurrent-generation --model DIR --problems FILE [--threads N] [--rounds 3] [--eval-items 256]`: generation time of a trained
/// model with its batches run in turn and side by side (<see cref="TensorWorkers"/>), alternating the two in each round of one
/// process so that the ratio is measured under the same load. GRPO-shaped rollouts (16 prompts × 8 completions, cap 128, and
/// 16 × 4, cap 256, at temperature 0.7, through <see cref="InProcessRolloutEngine"/> with 1 or 2 chunks) and an evaluation
/// (batches of 64, cap 256, through <see cref="LocalEvaluator"/> with 1 or 2 batches at a time).
/// </summary>
public static class ConcurrentGenerationProbe
{
    public static async Task<int> Run(string[] args, TextWriter output)
    {
        int rounds = ProbeArgs.Int(args, "--rounds", 3);
        int evalItems = ProbeArgs.Int(args, "--eval-items", 256);
        var (model, runtime, template, problems) = await TrainedModelProbe.LoadAsync(args);
        using var policy = new QwenPolicy(Qwen25VLModel.FromPretrained(model, runtime.Device, runtime.Precision.Dtype), [template.Tokenizer.Special.ImEnd]);
        var images = new ImageLoader();
        var prompts = problems.Select(p => new GrpoPrompt(p, SyntheticPrompts.Question(p))).ToList();
        using var engine = new InProcessRolloutEngine(policy, new ChatPromptEncoder(template, images));
        var evaluator = new LocalEvaluator(template, images, new MathVerifier());
        var scratch = Path.Combine(Path.GetTempPath(), $"vr1-concurrent-{Environment.ProcessId}.jsonl");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{runtime.Precision.DtypeName}, {TorchSharp.torch.get_num_threads()} threads, {rounds} rounds"));

        var cases = new (string Name, Func<int, int, double> Time)[]
        {
            ("rollout 16x8 cap 128", (concurrent, round) => Rollout(16, 8, 128, concurrent, round)),
            ("rollout 16x4 cap 256", (concurrent, round) => Rollout(16, 4, 256, concurrent, round)),
            ($"evaluation {evalItems} items cap 256", (concurrent, round) => Evaluation(concurrent, round)),
        };
        foreach (var (name, time) in cases)
        {
            var best = new Dictionary<int, double> { [1] = double.MaxValue, [2] = double.MaxValue };
            for (int round = 0; round < rounds; round++)
                foreach (int concurrent in round % 2 == 0 ? new[] { 1, 2 } : [2, 1])
                {
                    double s = time(concurrent, round);
                    best[concurrent] = Math.Min(best[concurrent], s);
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}, round {round + 1}, {concurrent} at a time: {s:F2} s"));
                }
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: best in turn {best[1]:F2} s, side by side {best[2]:F2} s, speed-up {best[1] / best[2]:F2}x"));
        }
        File.Delete(scratch);
        return 0;

        double Rollout(int promptCount, int group, int cap, int concurrent, int round)
        {
            var request = new RolloutRequest(prompts.Skip(round * promptCount).Take(promptCount).ToList(), group, new SamplingSettings(cap, 0.7), Seed: round, ConcurrentChunks: concurrent);
            var clock = Stopwatch.StartNew();
            engine.Generate(request);
            return clock.Elapsed.TotalSeconds;
        }

        double Evaluation(int concurrent, int round)
        {
            var options = new LocalEvaluationOptions { BatchSize = 64, MaxNewTokens = 256, Seed = round, ConcurrentBatches = concurrent, Prompt = SyntheticPrompts.Question };
            return evaluator.Evaluate(policy.Model, problems.Take(evalItems).ToList(), options, scratch).Seconds;
        }
    }
}
