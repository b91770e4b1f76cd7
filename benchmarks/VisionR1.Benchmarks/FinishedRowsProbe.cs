using System.Diagnostics;
using System.Globalization;
using VisionR1.Data.Readers;
using VisionR1.Data.Synthetic;
using VisionR1.Inputs;
using VisionR1.Model;
using VisionR1.Model.Generation;
using VisionR1.Problems;
using VisionR1.Runtime;
using VisionR1.Text;
using static TorchSharp.torch;

namespace VisionR1.Benchmarks;

/// <summary>
/// `-- finished-rows --model DIR --problems test.jsonl [--threads N] [--items 256] [--batch 64] [--samples 1] [--max-new 256] [--rounds 3]`:
/// generation time of a trained model on real prompts (sampled as the evaluation samples: temperature 0.6, top-p 0.95) with
/// finished rows dropped from the batch (<see cref="GenerationOptions.DropFinishedRows"/>) and without, alternating the two
/// in each round in one process, so that the ratio is measured under the same machine load.
/// </summary>
public static class FinishedRowsProbe
{
    public static async Task<int> Run(string[] args, TextWriter output)
    {
        int items = ProbeArgs.Int(args, "--items", 256);
        int batchSize = ProbeArgs.Int(args, "--batch", 64);
        int samples = ProbeArgs.Int(args, "--samples", 1);
        int maxNew = ProbeArgs.Int(args, "--max-new", 256);
        int rounds = ProbeArgs.Int(args, "--rounds", 3);
        var (model, runtime, template, problems) = await TrainedModelProbe.LoadAsync(args, take: items);
        using var qwen = Qwen25VLModel.FromPretrained(model, runtime.Device, runtime.Precision.Dtype);
        qwen.eval();
        var images = new ImageLoader();
        var encoded = problems.Select(p => template.Encode(images.Resolve(ProblemTurns.User(p, SyntheticPrompts.Question(p))), addGenerationPrompt: true)).ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{problems.Count} prompts, batches of {batchSize} x {samples} samples, cap {maxNew}, {runtime.Precision.DtypeName}"));
        var seconds = new Dictionary<bool, List<double>> { [true] = [], [false] = [] };
        for (int round = 0; round < rounds; round++)
        {
            foreach (bool drop in round % 2 == 0 ? new[] { true, false } : [false, true])
            {
                var clock = Stopwatch.StartNew();
                long tokens = 0, rowSteps = 0;
                for (int start = 0, b = 0; start < encoded.Count; start += batchSize, b++)
                {
                    using var scope = NewDisposeScope();
                    using var noGrad = no_grad();
                    using var batch = MultimodalCollator.Collate(encoded.Skip(start).Take(batchSize).ToList(), template.Tokenizer.Special, qwen.Device);
                    var options = GenerationOptions.Evaluation with { MaxNewTokens = maxNew, StopTokenIds = [template.Tokenizer.Special.ImEnd], Seed = 1000 * round + b, DropFinishedRows = drop };
                    var result = new CompletionGenerator(qwen).Generate(batch, options, samples);
                    tokens += result.Completions.Sum(c => c.TokenIds.Count);
                    rowSteps += (long)result.Completions.Count * result.Completions.Max(c => c.TokenIds.Count);
                }
                double s = clock.Elapsed.TotalSeconds;
                seconds[drop].Add(s);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"round {round + 1}, drop finished rows {(drop ? "on " : "off")}: {s:F2} s, {tokens} tokens ({tokens / s:F0} tokens/s), {(double)tokens / rowSteps:P0} of the row-steps a batch without dropping computes are real tokens"));
            }
        }
        double on = seconds[true].Min(), off = seconds[false].Min();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"best of {rounds}: on {on:F2} s, off {off:F2} s, speed-up {off / on:F2}x"));
        return 0;
    }
}
