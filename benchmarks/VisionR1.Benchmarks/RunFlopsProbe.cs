using System.Globalization;
using System.Text.Json;
using VisionR1.Data.Readers;
using VisionR1.Data.Synthetic;
using VisionR1.Model.Config;
using VisionR1.Model.Qwen3VL;
using VisionR1.Problems;
using VisionR1.Diagnostics;

namespace VisionR1.Benchmarks;

/// <summary>
/// `-- run-flops --run DIR [--preset small|qwen3-vl-small] [--seed 0] [--peaks 177,143] [--image-size 112] [--worked-share 0.5] [--drills 3000]`: the model FLOPs a finished embedded pipeline run computed,
/// stage by stage, counted the way <see cref="ModelFlops"/> counts a bench step (matrix products only, padding not counted), from the
/// run's own records: the real positions of every SFT step (metrics.jsonl: positions a second × seconds), the images of the base data
/// (rebuilt from world/train.jsonl with the pipeline's pre-training mix at its default sizes), and each GRPO step's sampled and trained completions
/// (prompts, group size, mean length, trained tokens) with the prompt length of the cold-start samples. Prints, for each given peak
/// (GFLOP/s), the shortest time those FLOPs take at 100% of it, and the run's achieved rate, so that a time bar can be checked against
/// what the machine can do at all.
/// </summary>
public static class RunFlopsProbe
{
    public static async Task<int> Run(string[] args, TextWriter output)
    {
        string run = ProbeArgs.Require(args, "--run", "DIR");
        // A Qwen3-VL run names its preset with the command line's prefix (qwen3-vl-small); the rest are Qwen2.5-VL presets.
        var presetName = ProbeArgs.Get(args, "--preset") ?? "small";
        Func<int, int, IReadOnlyList<(int H, int W)>, double> forward;
        int patchSize;
        if (Qwen3VLPresets.IsCommandLineName(presetName))
        {
            var q3 = Qwen3VLPresets.ByName(presetName);
            forward = (rows, length, images) => ModelFlops.Forward(q3, rows, length, images);
            patchSize = q3.Vision.PatchSize;
        }
        else
        {
            var q25 = Qwen25VLPresets.ByName(presetName);
            forward = (rows, length, images) => ModelFlops.Forward(q25, rows, length, images);
            patchSize = q25.Vision.PatchSize;
        }
        long seed = ProbeArgs.Int(args, "--seed", 0);
        var peaks = (ProbeArgs.Get(args, "--peaks") ?? "177,143").Split(',').Select(p => double.Parse(p, CultureInfo.InvariantCulture)).ToList();
        var rows = File.ReadLines(Path.Combine(run, "metrics.jsonl")).Select(l => JsonSerializer.Deserialize<JsonElement>(l)).ToList();
        var summary = JsonSerializer.Deserialize<JsonElement>(File.ReadAllText(Path.Combine(run, "summary.json")));
        // The embedded run's image size and pre-training mix (samples/VisionR1.Trainer's defaults; --image-size, --worked-share and --drills for another run).
        int imageSize = ProbeArgs.Int(args, "--image-size", 112);
        var pretraining = new SyntheticPretraining(SyntheticPrompts.Describe, SyntheticPrompts.Direct, SyntheticPrompts.Question)
        {
            WorkedShare = double.Parse(ProbeArgs.Get(args, "--worked-share") ?? "0.5", CultureInfo.InvariantCulture),
            ArithmeticTexts = ProbeArgs.Int(args, "--drills", 3000),
            MaxValue = SyntheticPretraining.MaxValueOf(SyntheticDifficulty.Easy),
            Seed = seed,
        };

        int side = imageSize / patchSize;
        IReadOnlyList<(int H, int W)> oneImage = [(side, side)];
        double perPosition = forward(1, 1, []);  // 2 × matrix weights a text position passes through
        double image = forward(1, 0, oneImage);   // the vision tower and merger over one 112-pixel image
        double Attention(double length) => forward(1, (int)Math.Round(length), []) - perPosition * Math.Round(length);

        // Base: the pipeline's pre-training mix at its default sizes; which samples carry an image.
        var train = await ProblemSource.ReadAllAsync(Path.Combine(run, "world", "train.jsonl"));
        var mix = pretraining.Samples(train);
        double imageShare = mix.Count(s => s.Images.Count > 0) / (double)mix.Count;

        var stages = new List<(string Name, double Flops, double Seconds)>();
        double ciPrompt = 0;
        foreach (var (name, visionTrained) in new[] { ("base", true), ("ci", false) })
        {
            var steps = rows.Where(r => Str(r, "run") == name && r.TryGetProperty("tokens_per_second", out _)).ToList();
            if (steps.Count == 0)
            {
                output.WriteLine($"{name}: no steps in this run (a given base was not trained here)");
                continue;
            }
            double positions = steps.Sum(r => Num(r, "tokens_per_second") * Num(r, "step_seconds"));
            double samples = steps.Sum(r => Num(r, "samples")), labelled = steps.Sum(r => Num(r, "tokens"));
            double images = samples * (name == "base" ? imageShare : 1);
            double text = perPosition * positions + Attention(positions / samples) * samples;
            // Forward + backward = three forwards; a frozen tower (CI) runs forward only.
            double flops = 3 * text + (visionTrained ? 3 : 1) * image * images;
            stages.Add((name, flops, steps.Sum(r => Num(r, "step_seconds"))));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name}: {steps.Count} steps, {samples:F0} samples, {positions / 1e6:F3}M positions ({positions / samples:F1} a sample, {labelled / samples:F1} labelled), {images:F0} images: {flops / 1e12:F1} TFLOP"));
            if (name == "ci") ciPrompt = (positions - labelled) / samples;
        }

        // GRPO: generation (prefill once per prompt, the cache shared by its group; one position per sampled token), the
        // reference pass and the update (forward + backward) over prompt + completion of every trained completion.
        double gen = 0, reference = 0, update = 0;
        var grpo = rows.Where(r => Str(r, "run") == "vision_r1").ToList();
        foreach (var r in grpo)
        {
            double sampledPrompts = Num(r, "prompts_sampled"), group = Num(r, "group_size"), meanLength = Num(r, "completion_length_mean");
            double sampledTokens = sampledPrompts * group * meanLength;
            gen += sampledPrompts * (perPosition * ciPrompt + image) + sampledTokens * (perPosition + Attention(1) * (ciPrompt + meanLength / 2));
            double completions = Num(r, "completions"), trainedTokens = Num(r, "tokens");
            double length = ciPrompt + trainedTokens / completions;
            double pass = perPosition * completions * length + Attention(length) * completions;
            reference += pass + Num(r, "prompts") * image; // a group's image through the frozen tower once per pass
            update += 3 * pass + Num(r, "prompts") * image;
        }
        double grpoSeconds = grpo.Sum(r => Num(r, "step_seconds"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"vision_r1: {grpo.Count} steps, prompt {ciPrompt:F1} positions: generation {gen / 1e12:F1}, reference pass {reference / 1e12:F1}, update {update / 1e12:F1} TFLOP"));
        stages.Add(("vision_r1", gen + reference + update, grpoSeconds));

        // Evaluations: one prefill per item and one position per generated token.
        double evalFlops = 0, evalSeconds = 0;
        foreach (var dir in Directory.GetDirectories(run, "eval_*"))
        {
            var file = Path.Combine(dir, "predictions.jsonl");
            if (!File.Exists(file)) continue;
            foreach (var line in File.ReadLines(file))
            {
                var p = JsonSerializer.Deserialize<JsonElement>(line);
                evalFlops += perPosition * ciPrompt + image + perPosition * Num(p, "tokens");
            }
            if (summary.GetProperty("stage_seconds").TryGetProperty(Path.GetFileName(dir), out var s)) evalSeconds += s.GetDouble();
        }
        stages.Add(("evaluations", evalFlops, evalSeconds));

        double total = stages.Sum(s => s.Flops), elapsed = summary.GetProperty("elapsed_s").GetDouble();
        foreach (var (name, flops, seconds) in stages)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name,-12} {flops / 1e12,7:F1} TFLOP in {seconds,7:F0} s: {flops / seconds / 1e9,6:F1} GFLOP/s"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"total {total / 1e12:F1} TFLOP; the run took {elapsed:F0} s: {total / elapsed / 1e9:F1} GFLOP/s over its wall time"));
        foreach (var peak in peaks)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"at a peak of {peak:F0} GFLOP/s these FLOPs take {total / peak / 1e9:F0} s ({total / peak / 1e9 / 60:F1} min) at 100% of it; the run reached {total / elapsed / 1e9 / peak:F2} of it"));
        return 0;
    }

    private static string? Str(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static double Num(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : 0;
}
