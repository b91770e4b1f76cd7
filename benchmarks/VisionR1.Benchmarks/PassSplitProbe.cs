using System.Diagnostics;
using System.Globalization;
using VisionR1.Data.Readers;
using VisionR1.Data.Synthetic;
using VisionR1.Grpo.Policies;
using VisionR1.Grpo.Rollout;
using VisionR1.Inputs;
using VisionR1.Model;
using VisionR1.Runtime;
using VisionR1.Text;
using static TorchSharp.torch;

namespace VisionR1.Benchmarks;

/// <summary>
/// `-- pass-split --model DIR --problems FILE [--rows 32] [--completion 110] [--rounds 5] [--group 8]`: what a GRPO log-prob pass over
/// <c>rows</c> prompts with completions of <c>completion</c> tokens spends on encoding the prompts (images loaded and
/// patchified) and on the forward pass, under no_grad (the reference pass's shape), with every row's image distinct and with
/// GRPO groups of <c>group</c> rows sharing one (encoded once by the model): the difference is the vision tower on the images saved.
/// </summary>
public static class PassSplitProbe
{
    public static async Task<int> Run(string[] args, TextWriter output)
    {
        int rows = ProbeArgs.Int(args, "--rows", 32);
        int completion = ProbeArgs.Int(args, "--completion", 110);
        int rounds = ProbeArgs.Int(args, "--rounds", 5);
        int group = ProbeArgs.Int(args, "--group", 8);
        var (model, runtime, template, problems) = await TrainedModelProbe.LoadAsync(args, take: rows);
        using var qwen = Qwen25VLModel.FromPretrained(model, runtime.Device, runtime.Precision.Dtype);
        qwen.eval();
        var prompts = problems.Select(p => new GrpoPrompt(p, SyntheticPrompts.Question(p))).ToList();
        // The same row count as GRPO groups: rows / group prompts, each repeated group times (its image encoded once).
        var grouped = prompts.Take(Math.Max(1, rows / group)).SelectMany(p => Enumerable.Repeat(p, group)).Take(rows).ToList();
        var encoder = new ChatPromptEncoder(template, new ImageLoader());
        var best = new double[3] { double.MaxValue, double.MaxValue, double.MaxValue };
        for (int round = 0; round < rounds; round++)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var clock = Stopwatch.StartNew();
            var batch = encoder.Encode(prompts);
            best[0] = Math.Min(best[0], clock.Elapsed.TotalSeconds);
            var completionIds = randint(10, 200, [rows, completion], dtype: ScalarType.Int64);
            var ids = cat([batch.InputIds.to_type(ScalarType.Int64), completionIds], 1);
            var mask = cat([batch.AttentionMask, ones([rows, completion], dtype: batch.AttentionMask.dtype)], 1);
            clock.Restart();
            using (qwen.Forward(ids, mask, batch.PixelValues, batch.ImageGridThw, null, LogitsMode.None)) { }
            best[1] = Math.Min(best[1], clock.Elapsed.TotalSeconds);
            var g = encoder.Encode(grouped);
            var gIds = cat([g.InputIds.to_type(ScalarType.Int64), completionIds], 1);
            var gMask = cat([g.AttentionMask, ones([rows, completion], dtype: g.AttentionMask.dtype)], 1);
            clock.Restart();
            using (qwen.Forward(gIds, gMask, g.PixelValues, g.ImageGridThw, null, LogitsMode.None)) { }
            best[2] = Math.Min(best[2], clock.Elapsed.TotalSeconds);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round + 1}: encode {best[0]:F4} s, forward with distinct images {best[1]:F4} s, grouped {best[2]:F4} s"));
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{rows} rows × (prompt + {completion} tokens), best of {rounds}: encode {best[0]:F4} s; forward with {rows} distinct images {best[1]:F4} s, with {rows / group} images × {group} {best[2]:F4} s: the tower on {rows - rows / group} images ≈ {best[1] - best[2]:F4} s"));
        return 0;
    }
}
