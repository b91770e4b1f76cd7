using VisionR1.Data.Records;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using VisionR1.Data.Synthetic;
using VisionR1.Inputs;
using VisionR1.IO;

namespace VisionR1.Recipe;

/// <summary>
/// Where a pre-trained base came from, written next to its weights as <c>provenance.json</c> (<see cref="FileName"/>) by
/// <see cref="BasePretraining"/>: the world generator's version, the settings it was trained with (world seed, image size,
/// difficulty, items, mix, SFT; <see cref="Options"/>), SHA-256 digests of the world's train split and of the pre-training mix
/// as used, the steps, the first and final losses, the precision, the caller and the commit. A run that starts from the base
/// checks with <see cref="Verify"/> that the world it renders is the one the base was trained on.
/// </summary>
public sealed record BaseProvenance
{
    /// <summary>The provenance file in a base model's folder.</summary>
    public const string FileName = "provenance.json";

    /// <summary>Losses kept in <see cref="FirstLosses"/>: enough steps to show that a rebuild starts the same way.</summary>
    public const int RecordedLosses = 32;

    /// <summary>How the file is written: snake_case names, enums as text, indented.</summary>
    public static JsonSerializerOptions Json { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true, Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The world generator's type.</summary>
    public string Generator { get; init; } = typeof(SyntheticWorldGenerator).FullName!;

    /// <summary>The world generator's version (<see cref="SyntheticWorldGenerator.Version"/>) when the base was trained.</summary>
    public int GeneratorVersion { get; init; }

    /// <summary>SHA-256 of the world's train split file (ids, questions, answers, scenes and captions, in order).</summary>
    public required string TrainSplitSha256 { get; init; }

    /// <summary>SHA-256 of the train split's images, in file order (the pixels the renderer drew).</summary>
    public required string TrainImagesSha256 { get; init; }

    /// <summary>SHA-256 of the pre-training mix as used (<see cref="MixSha256"/>).</summary>
    public required string PretrainingMixSha256 { get; init; }

    /// <summary>Samples in the pre-training mix.</summary>
    public int PretrainingSamples { get; init; }

    /// <summary>Optimizer steps run.</summary>
    public long Steps { get; init; }

    /// <summary>The last step's loss.</summary>
    public double FinalLoss { get; init; }

    /// <summary>The first steps' losses (at most <see cref="RecordedLosses"/>), which a rebuild reproduces (<see cref="BasePretraining.FirstStepLossesAsync"/>).</summary>
    public IReadOnlyList<double> FirstLosses { get; init; } = [];

    /// <summary>The training precision: "bf16" or "fp32".</summary>
    public string Precision { get; init; } = "";

    /// <summary>Who asked for the base (<see cref="BasePretrainingOptions.Caller"/>).</summary>
    public string? Caller { get; init; }

    /// <summary>The git commit of the code that trained it (<see cref="RepositoryCommit.Find"/>), or null when unknown.</summary>
    public string? Commit { get; init; }

    /// <summary>The VisionR1 library's version.</summary>
    public string? LibraryVersion { get; init; }

    /// <summary>Every setting of the pre-training, from which the base is rebuilt.</summary>
    public required BasePretrainingOptions Options { get; init; }

    /// <summary>Reads <c>provenance.json</c> of the base model folder <paramref name="modelDirectory"/>.</summary>
    /// <exception cref="FileNotFoundException">The folder has no provenance (it was not pre-trained by <see cref="BasePretraining"/>).</exception>
    public static BaseProvenance Read(string modelDirectory)
    {
        ArgumentNullException.ThrowIfNull(modelDirectory);
        var path = Path.Combine(modelDirectory, FileName);
        if (!File.Exists(path))
            throw new FileNotFoundException($"The base model folder {Path.GetFullPath(modelDirectory)} has no {FileName}, so the world it was trained on is unknown; pre-train the base with this library (vr1 pretrain) to get one.", path);
        return JsonSerializer.Deserialize<BaseProvenance>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path} is empty.");
    }

    /// <summary>Writes this provenance into <paramref name="modelDirectory"/> (atomically).</summary>
    public void Write(string modelDirectory) => AtomicFile.WriteAllText(Path.Combine(modelDirectory, FileName), JsonSerializer.Serialize(this, Json));

    /// <summary>
    /// The world settings of <paramref name="wanted"/> that differ from the base's (seed, image size, difficulty, families,
    /// train items, the train split's multi-step share), one line each ("ImageSize: base 112, this run 56"); empty when the run
    /// asks for the base's world. The held-out split's size and share may differ: the base never saw it.
    /// </summary>
    public IReadOnlyList<string> Differences(BasePretrainingOptions wanted)
    {
        ArgumentNullException.ThrowIfNull(wanted);
        var (b, w) = (Options.World, wanted.World);
        var lines = new List<string>();
        void Compare(string name, object? mine, object? theirs, bool equal)
        {
            if (!equal) lines.Add(string.Create(CultureInfo.InvariantCulture, $"{name}: base {mine ?? "null"}, this run {theirs ?? "null"}"));
        }
        Compare("WorldSeed", b.Seed, w.Seed, b.Seed == w.Seed);
        Compare("ImageSize", b.ImageSize, w.ImageSize, b.ImageSize == w.ImageSize);
        Compare("Difficulty", JsonSerializer.Serialize(b.Difficulty), JsonSerializer.Serialize(w.Difficulty), b.Difficulty == w.Difficulty);
        Compare("Families", string.Join(",", b.Families), string.Join(",", w.Families), b.Families.SequenceEqual(w.Families));
        Compare("TrainItems", Options.TrainItems, wanted.TrainItems, Options.TrainItems == wanted.TrainItems);
        Compare("World.MultiStepShare", b.MultiStepShare, w.MultiStepShare, b.MultiStepShare == w.MultiStepShare);
        Compare("World.IdPrefix", b.IdPrefix, w.IdPrefix, b.IdPrefix == w.IdPrefix);
        return lines;
    }

    /// <summary>
    /// Checks that <paramref name="worldTrainFile"/> (a world's <c>train.jsonl</c>, images beside it) is the train split the base
    /// in <paramref name="modelDirectory"/> was pre-trained on: the same generator version and the same <see cref="TrainSplitSha256"/>.
    /// Images drawn with other pixels for the same scenes (another renderer build) do not fail the check; the result says so.
    /// </summary>
    /// <param name="modelDirectory">The base model's folder (with <see cref="FileName"/>).</param>
    /// <param name="worldTrainFile">The train split this run rendered.</param>
    /// <param name="remedy">What the caller can do about a mismatch, appended to the message; null for a generic sentence.</param>
    /// <exception cref="BaseMismatchException">The world differs; the message names both digests, the base's world settings and the remedy.</exception>
    public static BaseWorldCheck Verify(string modelDirectory, string worldTrainFile, string? remedy = null)
    {
        var p = Read(modelDirectory);
        var (split, images) = TrainSplitSha256Of(worldTrainFile);
        if (p.GeneratorVersion != SyntheticWorldGenerator.Version || split != p.TrainSplitSha256)
        {
            var w = p.Options.World;
            throw new BaseMismatchException(string.Create(CultureInfo.InvariantCulture,
                $"The base model in {Path.GetFullPath(modelDirectory)} was pre-trained on another world than this run rendered: its train split " +
                $"(generator version {p.GeneratorVersion}, world seed {w.Seed}, {p.Options.TrainItems} items at {w.ImageSize} px) has SHA-256 {p.TrainSplitSha256}; " +
                $"{worldTrainFile} (generator version {SyntheticWorldGenerator.Version}) has {split}. ") + (remedy ?? DefaultRemedy));
        }
        return new BaseWorldCheck(p, images == p.TrainImagesSha256);
    }

    /// <summary>What to do about a base trained on another world, when the caller names nothing better.</summary>
    public const string DefaultRemedy = "Pre-train a base on this world, or render the world with the base's settings.";

    /// <summary>SHA-256 digests of a world's train split file and of its images (the files its lines name, in order), as hex.</summary>
    public static (string Split, string Images) TrainSplitSha256Of(string worldTrainFile)
    {
        ArgumentNullException.ThrowIfNull(worldTrainFile);
        var bytes = File.ReadAllBytes(worldTrainFile);
        var folder = Path.GetDirectoryName(Path.GetFullPath(worldTrainFile))!;
        using var images = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var line in File.ReadLines(worldTrainFile))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var doc = JsonDocument.Parse(line);
            if (!doc.RootElement.TryGetProperty("images", out var list)) continue;
            foreach (var image in list.EnumerateArray())
                images.AppendData(File.ReadAllBytes(Path.Combine(folder, image.GetString()!)));
        }
        return (Convert.ToHexStringLower(SHA256.HashData(bytes)), Convert.ToHexStringLower(images.GetHashAndReset()));
    }

    /// <summary>SHA-256 of a pre-training mix as used: each sample's problem id, prompt and response, in order (the images are the train split's).</summary>
    public static string MixSha256(IReadOnlyList<ChatSample> samples)
    {
        ArgumentNullException.ThrowIfNull(samples);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var s in samples) hash.AppendData(Encoding.UTF8.GetBytes(s.Id + "\0" + s.Prompt + "\0" + s.Response + "\n"));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}

/// <summary>The outcome of <see cref="BaseProvenance.Verify"/> on a matching world.</summary>
/// <param name="Provenance">The base's provenance.</param>
/// <param name="ImagesMatch">Whether the rendered images are byte for byte the ones the base saw (false: the same scenes drawn by another renderer build).</param>
public sealed record BaseWorldCheck(BaseProvenance Provenance, bool ImagesMatch);
