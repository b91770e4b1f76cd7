using System.Diagnostics;
using System.Globalization;
using VisionR1.Data.Readers;
using VisionR1.Data.Synthetic;
using VisionR1.Grpo.Policies;
using VisionR1.Grpo.Rollout;
using VisionR1.Grpo.Rollout.Engines;
using VisionR1.Inputs;
using VisionR1.Model;
using VisionR1.Runtime;
using VisionR1.Text;

namespace VisionR1.Benchmarks;

/// <summary>
/// `-- rollout-scaling --model DIR --problems FILE [--threads N] [--rounds 3]`: how a GRPO rollout's time grows with its prompt
/// count. For each PTST shape (group 8, cap 128; group 4, cap 256) it times the same prompts sampled as one request and as the
/// requests dynamic sampling makes when it starts from 16 prompts and refills (16 then the rest, or 16, then 2/3 and 1/3 of the
/// rest), alternating the orders in each round of one process so the ratio is measured under the same load. Both cores
/// generate (two chunks side by side), as in the pipeline.
/// </summary>
public static class RolloutScalingProbe
{
    public static async Task<int> Run(string[] args, TextWriter output)
    {
        int rounds = ProbeArgs.Int(args, "--rounds", 3);
        var (model, runtime, template, problems) = await TrainedModelProbe.LoadAsync(args);
        using var policy = new QwenPolicy(Qwen25VLModel.FromPretrained(model, runtime.Device, runtime.Precision.Dtype), [template.Tokenizer.Special.ImEnd]);
        var prompts = problems.Select(p => new GrpoPrompt(p, SyntheticPrompts.Question(p))).ToList();
        using var engine = new InProcessRolloutEngine(policy, new ChatPromptEncoder(template, new ImageLoader()));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{runtime.Precision.DtypeName}, {TorchSharp.torch.get_num_threads()} threads, {rounds} rounds"));

        // (group, cap, total prompts, split): the pipeline's mean prompts sampled per step in PTST's two stages (28 and 46).
        var cases = new (int Group, int Cap, int[] Split)[]
        {
            (8, 128, [28]), (8, 128, [16, 12]),
            (4, 256, [46]), (4, 256, [16, 30]), (4, 256, [16, 20, 10]),
        };
        var best = cases.Select(_ => double.MaxValue).ToArray();
        for (int round = 0; round < rounds; round++)
        {
            var order = Enumerable.Range(0, cases.Length).ToArray();
            if (round % 2 == 1) Array.Reverse(order);
            foreach (int c in order)
            {
                var (group, cap, split) = cases[c];
                int offset = round * 64;
                var clock = Stopwatch.StartNew();
                for (int r = 0; r < split.Length; r++)
                {
                    var request = new RolloutRequest(prompts.Skip(offset).Take(split[r]).ToList(), group, new SamplingSettings(cap, 0.7), Seed: 100 * round + r, ConcurrentChunks: 2);
                    engine.Generate(request);
                    offset += split[r];
                }
                double s = clock.Elapsed.TotalSeconds;
                best[c] = Math.Min(best[c], s);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"group {group} cap {cap} prompts {string.Join("+", split)}, round {round + 1}: {s:F2} s"));
            }
        }
        for (int c = 0; c < cases.Length; c++)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"best: group {cases[c].Group} cap {cases[c].Cap} prompts {string.Join("+", cases[c].Split)}: {best[c]:F2} s"));
        return 0;
    }
}
