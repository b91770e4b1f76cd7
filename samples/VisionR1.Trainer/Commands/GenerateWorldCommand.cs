using VisionR1.IO;
using System.Globalization;
using System.Text.Json;
using VisionR1.Data.Readers;
using VisionR1.Problems;
using VisionR1.Data.Synthetic;
using VisionR1.Trainer.Cli;

namespace VisionR1.Trainer.Commands;

/// <summary>
/// `vr1 world`: renders the synthetic visual-math world to disk. Writes
/// <c>DIR/images/ID.png</c>, <c>DIR/train.jsonl</c> and <c>DIR/test.jsonl</c> (one problem per
/// line, image paths relative to DIR) and <c>DIR/world.json</c> (the settings used).
/// </summary>
public sealed class GenerateWorldCommand : ICliCommand
{
    /// <inheritdoc />
    public string Name => "world";

    /// <inheritdoc />
    public string Summary => "Render the synthetic visual-math world (PNGs + train/test JSONL).";

    /// <inheritdoc />
    public string Usage =>
        "vr1 world --out DIR --train N --test M [--seed S] [--families shapes,bars,geometry] [--size PX] [--difficulty easy|default|hard]\n" +
        "  Writes DIR/images/*.png, DIR/train.jsonl, DIR/test.jsonl (MathProblemJsonl: id, images, question, answer,\n" +
        "  choices, answer_type, metadata; image paths relative to DIR) and DIR/world.json. Same seed, same files.";

    /// <inheritdoc />
    public async Task<int> RunAsync(CliArgs args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var outDir = args.Require("out");
        int train = args.GetInt("train", 1000);
        int test = args.GetInt("test", 500);
        var seedText = args.Get("seed") ?? "0";
        var familiesText = args.Get("families");
        int size = args.GetInt("size", 168);
        var difficultyText = args.Get("difficulty") ?? "default";
        args.ThrowOnUnknown();
        using var outLock = OutputFolderLock.Acquire(outDir, "vr1 world");

        if (!long.TryParse(seedText, NumberStyles.Integer, CultureInfo.InvariantCulture, out long seed))
            throw new CliUsageException($"--seed expects an integer, got '{seedText}'.");
        if (train < 0 || test < 0) throw new CliUsageException("--train and --test must not be negative.");
        if (size is < SceneRenderer.MinSize or > SceneRenderer.MaxSize)
            throw new CliUsageException($"--size must be between {SceneRenderer.MinSize} and {SceneRenderer.MaxSize}.");
        var difficulty = difficultyText switch
        {
            "easy" => SyntheticDifficulty.Easy,
            "default" => SyntheticDifficulty.Default,
            "hard" => SyntheticDifficulty.Hard,
            _ => throw new CliUsageException($"--difficulty must be easy, default or hard, got '{difficultyText}'."),
        };
        var options = new SyntheticWorldOptions
        {
            Seed = seed,
            ImageSize = size,
            Difficulty = difficulty,
            Families = familiesText is null ? new SyntheticWorldOptions().Families : ParseFamilies(familiesText),
        };
        var world = new SyntheticWorldGenerator(options);

        var root = Path.GetFullPath(outDir);
        Directory.CreateDirectory(Path.Combine(root, "images"));
        foreach (var (split, count) in new[] { (SyntheticSplit.Train, train), (SyntheticSplit.Test, test) })
        {
            var name = SyntheticWorldGenerator.SplitName(split);
            var file = Path.Combine(outDir, name + ".jsonl");
            // Each rendered image is saved as images/ID.png by the library's writer, which writes its path relative to DIR.
            var problems = world.GenerateAsync(split, count, cancellationToken)
                .Select(p => p with { Images = [new ImageRef(Path.Combine(root, "images", p.Id + ".png"), p.Images[0].Bytes)] });
            await MathProblemJsonl.WriteAsync(file, problems, root, cancellationToken).ConfigureAwait(false);
            stdout.WriteLine($"{name}: {count} problems -> {file}");
        }
        var settings = new Dictionary<string, object>
        {
            ["seed"] = seed,
            ["image_size"] = size,
            ["families"] = options.Families.Select(f => f.ToString().ToLowerInvariant()).ToArray(),
            ["difficulty"] = difficultyText,
            ["train"] = train,
            ["test"] = test,
        };
        var json = JsonSerializer.SerializeToUtf8Bytes(settings, new JsonSerializerOptions { WriteIndented = true });
        AtomicFile.Write(Path.Combine(outDir, "world.json"), s => s.Write(json, 0, json.Length));
        return 0;
    }

    private static IReadOnlyList<WorldFamily> ParseFamilies(string text)
    {
        var list = new List<WorldFamily>();
        foreach (var word in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Enum.TryParse<WorldFamily>(word, ignoreCase: true, out var f) || !Enum.IsDefined(f) || int.TryParse(word, out _))
                throw new CliUsageException($"--families: unknown family '{word}' (known: shapes, bars, geometry).");
            if (!list.Contains(f)) list.Add(f);
        }
        if (list.Count == 0) throw new CliUsageException("--families names no family.");
        return list;
    }
}
