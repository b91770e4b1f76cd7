using System.CommandLine;
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
    private readonly Option<string> _out = Opt.Required("--out", "The world folder.", "DIR");
    private readonly Option<int> _train = Opt.Int("--train", 1000, "Training problems.", "N");
    private readonly Option<int> _test = Opt.Int("--test", 500, "Test problems.", "N");
    private readonly Option<long> _seed = Opt.Long("--seed", 0, "Seed of the world (same seed, same files).", "S");
    private readonly Option<string?> _families = Opt.Text("--families", "Comma-separated problem families [default: all].", "shapes,bars,geometry");
    private readonly Option<int> _size = Opt.Int("--size", 168, "Image side in pixels.", "PX");
    private readonly Option<string> _difficulty = Opt.Choice("--difficulty", "How many shapes, colours and steps a problem has.", ["easy", "default", "hard"], "default");

    /// <inheritdoc />
    public string Name => "world";

    /// <inheritdoc />
    public string Summary => "Render the synthetic visual-math world (PNGs + train/test JSONL).";

    /// <inheritdoc />
    public string Details =>
        "Writes DIR/images/*.png, DIR/train.jsonl, DIR/test.jsonl (MathProblemJsonl: id, images, question, answer, choices, " +
        "answer_type, metadata; image paths relative to DIR) and DIR/world.json. Same seed, same files.";

    /// <inheritdoc />
    public async Task<int> RunAsync(ParseResult parse, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var outDir = parse.GetValue(_out)!;
        int train = parse.GetValue(_train);
        int test = parse.GetValue(_test);
        long seed = parse.GetValue(_seed);
        var familiesText = parse.GetValue(_families);
        int size = parse.GetValue(_size);
        var difficultyText = parse.GetValue(_difficulty)!;
        using var outLock = OutputFolderLock.Acquire(outDir, "vr1 world");

        if (train < 0 || test < 0) throw new CliUsageException("--train and --test must not be negative.");
        if (size is < SceneRenderer.MinSize or > SceneRenderer.MaxSize)
            throw new CliUsageException($"--size must be between {SceneRenderer.MinSize} and {SceneRenderer.MaxSize}.");
        var difficulty = difficultyText switch
        {
            "easy" => SyntheticDifficulty.Easy,
            "default" => SyntheticDifficulty.Default,
            _ => SyntheticDifficulty.Hard,
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
