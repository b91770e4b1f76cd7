using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SkiaSharp;
using VisionR1.Data.Readers;
using VisionR1.Grpo.Policies;
using VisionR1.Grpo.Rollout;
using VisionR1.Inputs;
using VisionR1.Model;
using VisionR1.Model.Config;
using VisionR1.Problems;
using VisionR1.Runtime;
using VisionR1.Text;

namespace VisionR1.Benchmarks;

/// <summary>
/// `-- data-memory [--items 10000] [--dir DIR] [--steps 25] [--prompts-per-step 8] [--passes 4] [--cache-mb 256]`:
/// a GRPO data source over many problems with 1024×768 images on disk (JPEG, every tenth PNG; written once into DIR).
/// After the model is loaded it reads the problem file with the library's reader, makes GRPO prompts, and builds
/// <c>steps</c> steps of prompt batches the way a GRPO step does (each batch encoded <c>passes</c> times: sampling,
/// old and reference log-probs, the update), with images decoded lazily through a bounded cache. It prints the
/// resident memory beyond the model: the peak (VmHWM, reset after the model is loaded) minus the resident size then.
/// Runs with glibc's default allocator settings unless <c>--keep-freed-memory</c> asks for vr1's (see NativeAllocator).
/// </summary>
public static class DataSourceMemoryProbe
{
    /// <summary>Runs the probe; returns 0 when the figure is under 1 GiB.</summary>
    public static int Run(string[] args, TextWriter output)
    {
        int items = Int(args, "--items", 10_000), steps = Int(args, "--steps", 25), perStep = Int(args, "--prompts-per-step", 8),
            passes = Int(args, "--passes", 4), cacheMb = Int(args, "--cache-mb", 256);
        var dir = Value(args, "--dir") ?? Path.Combine(Path.GetTempPath(), "vr1-data-memory");
        var file = Path.Combine(dir, $"problems-{items}.jsonl");
        var clock = Stopwatch.StartNew();
        long diskBytes = EnsureData(dir, file, items, output);
        double writeSeconds = clock.Elapsed.TotalSeconds;

        VisionR1Runtime.Initialize("cpu", threads: 2);
        var tokenizer = CompactTokenizerTrainer.TrainDefault();
        using var model = new Qwen25VLModel(Qwen25VLPresets.Tiny, TorchSharp.torch.CPU, TorchSharp.torch.ScalarType.Float32);
        model.InitializeWeights(1);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        ResetPeak();
        long baseline = Status("VmRSS");

        clock.Restart();
        var problems = new List<MathProblem>(items);
        var report = new ReadReport();
        var read = ProblemSource.Open(file, new ReadOptions(), report).ToBlockingEnumerable();
        foreach (var p in read) problems.Add(p);
        var prompts = GrpoPrompt.From(problems);
        double readSeconds = clock.Elapsed.TotalSeconds;
        long afterRead = Status("VmRSS");

        var loader = new ImageLoader(cacheBytes: (long)cacheMb << 20);
        var encoder = new ChatPromptEncoder(new ChatTemplate(tokenizer, ChatTemplateOptions.NoSystemPrompt), loader);
        var order = new Random(7);
        long patchValues = 0;
        clock.Restart();
        for (int s = 0; s < steps; s++)
        {
            var batchPrompts = Enumerable.Range(0, perStep).Select(_ => prompts[order.Next(prompts.Count)]).ToList();
            for (int pass = 0; pass < passes; pass++)
            {
                using var scope = TorchSharp.torch.NewDisposeScope();
                using var batch = encoder.Encode(batchPrompts);
                patchValues += batch.PixelValues?.numel() ?? 0;
            }
        }
        double encodeSeconds = clock.Elapsed.TotalSeconds;
        long managedNow = GC.GetTotalMemory(forceFullCollection: false);
        long peak = Status("VmHWM");
        double mib(long kb) => kb / 1024.0;
        var result = new Dictionary<string, object>
        {
            ["items"] = problems.Count,
            ["skipped_lines"] = report.Skipped.Count,
            ["image_size"] = "1024x768",
            ["images_on_disk_mib"] = Math.Round(diskBytes / 1048576.0, 1),
            ["eager_patch_estimate_gib"] = Math.Round(problems.Count * 19.0 / 1024, 1),
            ["steps"] = steps,
            ["prompts_per_step"] = perStep,
            ["passes_per_step"] = passes,
            ["cache_mib"] = cacheMb,
            ["keep_freed_memory"] = NativeAllocator.Applied,
            ["managed_heap_at_end_mib"] = Math.Round(managedNow / 1048576.0, 1),
            ["images_decoded"] = loader.Loads,
            ["cache_hits"] = loader.CacheHits,
            ["patch_values_encoded"] = patchValues,
            ["rss_after_model_mib"] = Math.Round(mib(baseline), 1),
            ["rss_after_read_mib"] = Math.Round(mib(afterRead), 1),
            ["peak_rss_mib"] = Math.Round(mib(peak), 1),
            ["beyond_model_peak_mib"] = Math.Round(mib(peak - baseline), 1),
            ["write_seconds"] = Math.Round(writeSeconds, 1),
            ["read_seconds"] = Math.Round(readSeconds, 2),
            ["encode_seconds"] = Math.Round(encodeSeconds, 1),
        };
        output.WriteLine(JsonSerializer.Serialize(result));
        return peak - baseline < 1024 * 1024 ? 0 : 1;
    }

    private static long EnsureData(string dir, string file, int items, TextWriter output)
    {
        var images = Path.Combine(dir, "images");
        Directory.CreateDirectory(images);
        if (!File.Exists(file))
        {
            output.WriteLine($"writing {items} 1024x768 images under {images} ...");
            Parallel.For(0, items, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
            {
                var path = ImagePath(images, i);
                if (!File.Exists(path)) WriteImage(path, i);
            });
            var lines = Enumerable.Range(0, items).Select(i => JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["id"] = $"q{i}",
                ["images"] = new[] { Path.GetRelativePath(dir, ImagePath(images, i)) },
                ["question"] = $"How many rectangles are in the image? (item {i})",
                ["answer"] = (1 + i % 5).ToString(CultureInfo.InvariantCulture),
                ["answer_type"] = AnswerTypeNames.Integer,
            }));
            VisionR1.IO.AtomicFile.WriteAllText(file, string.Join('\n', lines) + "\n");
        }
        return Enumerable.Range(0, items).Sum(i => new FileInfo(ImagePath(images, i)).Length);
    }

    private static string ImagePath(string images, int i) => Path.Combine(images, i % 10 == 0 ? $"{i:D5}.png" : $"{i:D5}.jpg");

    private static void WriteImage(string path, int i)
    {
        using var bitmap = new SKBitmap(1024, 768);
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(new SKColor((byte)(i * 7), (byte)(i * 13), (byte)(200 - i % 100)));
            using var paint = new SKPaint { IsAntialias = true };
            var rng = new Random(i);
            for (int k = 0; k < 1 + i % 5; k++)
            {
                paint.Color = new SKColor((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256));
                canvas.DrawRect(rng.Next(900), rng.Next(650), 40 + rng.Next(120), 40 + rng.Next(120), paint);
            }
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var data = path.EndsWith(".png", StringComparison.Ordinal) ? image.Encode(SKEncodedImageFormat.Png, 100) : image.Encode(SKEncodedImageFormat.Jpeg, 85);
        var temp = path + ".tmp";
        using (var stream = File.Create(temp)) data.SaveTo(stream);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>A field of /proc/self/status in KiB.</summary>
    private static long Status(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        throw new InvalidOperationException($"/proc/self/status has no {field}.");
    }

    /// <summary>Resets the peak resident size (VmHWM) to the current one (Linux: "5" to clear_refs).</summary>
    private static void ResetPeak() => File.WriteAllText("/proc/self/clear_refs", "5");

    private static int Int(string[] args, string name, int fallback) =>
        Value(args, name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    private static string? Value(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
