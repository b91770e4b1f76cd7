using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using VisionR1.Data.Records;
using VisionR1.Problems;

namespace VisionR1.Data.Synthetic;

/// <summary>
/// The synthetic visual-math world: seeded, deterministic problems whose images are rendered
/// with SkiaSharp and whose answers follow exactly from the scene.
/// </summary>
/// <remarks>
/// <para>Splits are disjoint by construction: every (scene, question) pair is assigned to
/// one split by a hash of its content (<see cref="SplitOf"/>), and each split only keeps the
/// pairs assigned to it. So no train item can equal a test item, whatever the seeds or counts.</para>
/// <para>Within a split a pair is not repeated while the world still has unseen pairs of the
/// family (up to 64 draws per item); very small worlds may then repeat pairs.</para>
/// <para>Item <c>i</c> uses family <c>Families[i mod count]</c>, and items are drawn in
/// sequence from one stream per split, so the first <c>n</c> items of a larger request equal a
/// request for <c>n</c>.</para>
/// </remarks>
public sealed class SyntheticWorldGenerator
{
    /// <summary>
    /// The generator's version: raised whenever a change draws other items or renders other images for the same options, so a
    /// model pre-trained on the world can record which world it saw (a base's provenance) and a later run can tell.
    /// </summary>
    public const int Version = 1;

    private const int DrawsPerUniqueItem = 64;
    private const int MaxDrawsPerItem = 100_000;
    private const int RenderBatch = 64;

    /// <summary>Creates a world.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public SyntheticWorldGenerator(SyntheticWorldOptions? options = null)
    {
        Options = options ?? new SyntheticWorldOptions();
        Options.Validate();
    }

    /// <summary>The settings.</summary>
    public SyntheticWorldOptions Options { get; }

    /// <summary>The id of item <paramref name="index"/> of a split ("world-train-s0-000012").</summary>
    public string ItemId(SyntheticSplit split, int index) =>
        string.Create(CultureInfo.InvariantCulture, $"{Options.IdPrefix}-{SplitName(split)}-s{Options.Seed}-{index:D6}");

    /// <summary>"train" or "test".</summary>
    public static string SplitName(SyntheticSplit split) => split switch
    {
        SyntheticSplit.Train => "train",
        SyntheticSplit.Test => "test",
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, "Unknown split."),
    };

    /// <summary>The split a (scene, question) pair belongs to: one bit of SHA-256 over the scene JSON and the question.</summary>
    public static SyntheticSplit SplitOf(SyntheticScene scene, string question)
    {
        ArgumentNullException.ThrowIfNull(scene);
        ArgumentNullException.ThrowIfNull(question);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(ContentKey(scene, question)), hash);
        return (hash[0] & 1) == 0 ? SyntheticSplit.Train : SyntheticSplit.Test;
    }

    private static string ContentKey(SyntheticScene scene, string question) => SyntheticWorldJson.Serialize(scene) + "\n" + question;

    /// <summary>Generates <paramref name="count"/> problems of <paramref name="split"/>, each with one PNG image in <see cref="ImageRef.Bytes"/> (no path).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    public IEnumerable<MathProblem> Generate(SyntheticSplit split, int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        _ = SplitName(split);
        return GenerateIterator(split, count, cancellationToken);
    }

    /// <summary>The same problems as <see cref="Generate"/>, as an async stream (each batch of 64 is rendered in parallel before its items are yielded).</summary>
    public async IAsyncEnumerable<MathProblem> GenerateAsync(SyntheticSplit split, int count, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var p in Generate(split, count, cancellationToken))
        {
            yield return p;
            await Task.Yield();
        }
    }

    private IEnumerable<MathProblem> GenerateIterator(SyntheticSplit split, int count, CancellationToken cancellationToken)
    {
        // Scenes are drawn in sequence from one stream (that fixes the content); the pure
        // rendering of each batch then runs in parallel and the items come out in order.
        var rng = WorldRandom.For(Options.Seed, "world/" + SplitName(split));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var batch = new List<TaskDraft>(RenderBatch);
        for (int start = 0; start < count; start += RenderBatch)
        {
            batch.Clear();
            for (int i = start; i < Math.Min(count, start + RenderBatch); i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                batch.Add(DrawFor(split, Options.Families[i % Options.Families.Count], RequiredSteps(i), rng, seen));
            }
            var images = new byte[batch.Count][];
            Parallel.For(0, batch.Count, new ParallelOptions { CancellationToken = cancellationToken },
                k => images[k] = SceneRenderer.RenderPng(batch[k].Scene, Options.ImageSize));
            for (int k = 0; k < batch.Count; k++)
                yield return ToProblem(ItemId(split, start + k), split, batch[k], images[k]);
        }
    }

    /// <summary>Whether item <paramref name="index"/> must combine facts (true), read one fact (false) or either (null), from <see cref="SyntheticWorldOptions.MultiStepShare"/>.</summary>
    private bool? RequiredSteps(int index)
    {
        return Options.MultiStepShare is { } share ? EvenShare.Includes(index, share) : null;
    }

    private TaskDraft DrawFor(SyntheticSplit split, WorldFamily family, bool? multiStep, WorldRandom rng, HashSet<string> seen)
    {
        for (int draws = 0; draws < MaxDrawsPerItem; draws++)
        {
            var draft = Draw(family, rng);
            if (multiStep is { } multi && (draft.Task.Steps >= 2) != multi) continue;
            if (SplitOf(draft.Scene, draft.Question) != split) continue;
            if (seen.Add(ContentKey(draft.Scene, draft.Question)) || draws >= DrawsPerUniqueItem) return draft;
        }
        throw new InvalidOperationException($"The synthetic world found no {SplitName(split)} item for family {family} in {MaxDrawsPerItem} draws.");
    }

    private TaskDraft Draw(WorldFamily family, WorldRandom rng) => family switch
    {
        WorldFamily.Shapes => ShapesFamily.Draw(rng, Options.Difficulty),
        WorldFamily.Bars => BarsFamily.Draw(rng, Options.Difficulty),
        WorldFamily.Geometry => GeometryFamily.Draw(rng, Options.Difficulty),
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, "Unknown family."),
    };

    private MathProblem ToProblem(string id, SyntheticSplit split, TaskDraft d, byte[] png)
    {
        bool choice = d.Task.Formula == TaskFormula.ArgMax;
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [SyntheticMetadataKeys.Family] = d.Scene.Family.ToString().ToLowerInvariant(),
            [SyntheticMetadataKeys.Difficulty] = d.Task.Difficulty,
            [SyntheticMetadataKeys.Steps] = d.Task.Steps.ToString(CultureInfo.InvariantCulture),
            [SyntheticMetadataKeys.Scene] = SyntheticWorldJson.Serialize(d.Scene),
            [SyntheticMetadataKeys.Task] = SyntheticWorldJson.Serialize(d.Task),
            [SyntheticMetadataKeys.Split] = SplitName(split),
            [SyntheticMetadataKeys.Seed] = Options.Seed.ToString(CultureInfo.InvariantCulture),
            [SyntheticMetadataKeys.Caption] = d.Scene.Caption(),
        };
        return new MathProblem(
            id,
            [new ImageRef(null, png)],
            d.Question,
            d.Task.Answer,
            choice ? d.Task.Options : null,
            choice ? AnswerType.MultipleChoice : AnswerType.Integer,
            Metadata: metadata);
    }
}
