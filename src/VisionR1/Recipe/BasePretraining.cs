using VisionR1.Data.Records;
using System.Reflection;
using System.Text.Json;
using VisionR1.Data.Readers;
using VisionR1.Data.Synthetic;
using VisionR1.Grpo.Metrics;
using VisionR1.Grpo.Policies;
using VisionR1.Grpo.Training;
using VisionR1.Inputs;
using VisionR1.Model;
using VisionR1.Model.Config;
using VisionR1.Model.Qwen3VL;
using VisionR1.Problems;
using VisionR1.Runtime;
using VisionR1.Text;
using static TorchSharp.torch;

namespace VisionR1.Recipe;

/// <summary>
/// The base a run on the synthetic world starts from, as the paper starts from a released model: either pre-trained here
/// (<see cref="RunAsync"/>: the world → a compact tokenizer trained on it → a model of the family's preset pre-trained from scratch on
/// the world's train split, written as a Hugging Face folder with its tokenizer and <see cref="BaseProvenance"/>), or an existing
/// base folder checked against the world this run renders (<see cref="FromBaseAsync"/>). The stages run in the folders
/// <see cref="RecipeStages.World"/>, <see cref="RecipeStages.Tokenizer"/> and <see cref="RecipeStages.Base"/> of a
/// <see cref="StageRunner"/>, so a stopped pre-training resumes and a finished one is never redone.
/// </summary>
public static class BasePretraining
{
    /// <summary>
    /// Renders the world (stage <see cref="RecipeStages.World"/>), trains the compact tokenizer on it, and pre-trains a model of
    /// <see cref="BasePretrainingOptions.Preset"/> from scratch on the mix built from the train split only (checked with
    /// <see cref="AssertHeldOut"/>), all seeded by the world's seed; writes <c>base/model</c> with its tokenizer and <c>provenance.json</c>.
    /// </summary>
    /// <exception cref="BaseMismatchException">The run folder started from an existing base (<see cref="FromBaseAsync"/>).</exception>
    public static async Task<PretrainedBase> RunAsync(StageRunner stages, BasePretrainingOptions options, IRecipeProgress progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stages);
        ArgumentNullException.ThrowIfNull(options);
        var (train, test) = await WorldAsync(stages, options, progress, cancellationToken).ConfigureAwait(false);
        await stages.RunAsync(RecipeStages.Tokenizer, async (_, ct) => DataStages.CompactTokenizer(StageRun.In(stages, RecipeStages.Tokenizer, progress),
            await options.Mix().TokenizerCorpusAsync(train, new SyntheticTeacherOptions { Seed = options.Seed }, ct).ConfigureAwait(false),
            PresetOf(options).VocabSize, ct), cancellationToken).ConfigureAwait(false);
        var template = new ChatTemplate(TokenizerLoader.FromFolder(stages.StageDirectory(RecipeStages.Tokenizer)), ChatTemplateOptions.NoSystemPrompt);
        var result = await stages.RunAsync(RecipeStages.Base, (_, ct) =>
        {
            var samples = options.Mix().Samples(train);
            AssertHeldOut(samples, test);
            var run = StageRun.In(stages, RecipeStages.Base, progress);
            var trained = TrainingStages.Sft(run, NewModel(options), template, samples, options.Sft with { Seed = options.Seed },
                $"pre-training a{(options.Family == QwenVLFamily.Qwen25VL ? "" : " " + options.Family.DisplayName())} '{options.Preset}' model from scratch: captions, direct answers, {options.WorkedShare:P0} worked solutions, {options.ArithmeticTexts} arithmetic texts",
                new ImageLoader(options.Family.ImageProcessor(), cacheBytes: 256L << 20), ct);
            ProvenanceOf(options, stages, samples, trained).Write(trained.ModelDirectory);
            return Task.FromResult(trained);
        }, cancellationToken).ConfigureAwait(false);
        if (File.Exists(Path.Combine(stages.StageDirectory(RecipeStages.Base), BaseProvenance.FileName)))
            throw new BaseMismatchException($"The run folder {stages.Root} started from the base {result.ModelDirectory}; pass that base again, or use a new output folder to pre-train one.");
        bool recorded = File.Exists(Path.Combine(result.ModelDirectory, BaseProvenance.FileName)); // runs begun before provenance was written have none
        return new PretrainedBase(train, test, result.ModelDirectory, recorded ? BaseProvenance.Read(result.ModelDirectory) : null);
    }

    /// <summary>
    /// Starts from the pre-trained base in <paramref name="baseModelDirectory"/> instead of pre-training: checks that
    /// <paramref name="options"/> ask for the base's world (<see cref="BaseProvenance.Differences"/>), renders it, checks that the
    /// train split is the one the base saw (<see cref="BaseProvenance.Verify"/>), and records the base in the stage
    /// <see cref="RecipeStages.Base"/> (its provenance copied there) without training anything.
    /// </summary>
    /// <param name="stages">The run's stages.</param>
    /// <param name="options">The run's world and pre-training settings (the held-out split's size and share are the run's own).</param>
    /// <param name="baseModelDirectory">A folder written by <see cref="RunAsync"/> (its <c>base/model</c>), or a run folder holding one.</param>
    /// <param name="progress">Where the stages report.</param>
    /// <param name="remedy">What the caller's user can do when the worlds differ (e.g. the command's options), appended to the message.</param>
    /// <param name="cancellationToken">Stops the world's rendering.</param>
    /// <exception cref="BaseMismatchException">The world differs from the base's, or the run folder started from another base.</exception>
    public static async Task<PretrainedBase> FromBaseAsync(StageRunner stages, BasePretrainingOptions options, string baseModelDirectory, IRecipeProgress progress,
        string? remedy = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stages);
        ArgumentNullException.ThrowIfNull(options);
        var folder = ModelFolderOf(baseModelDirectory);
        var family = QwenVLModel.FamilyOf(folder);
        if (family != options.Family)
            throw new BaseMismatchException($"The base model in {folder} is a {family.DisplayName()} model; this run's options ask for a {options.Family.DisplayName()} base.");
        var provenance = BaseProvenance.Read(folder);
        var differences = provenance.Differences(options);
        if (differences.Count > 0)
            throw new BaseMismatchException($"The base model in {folder} was pre-trained on another world than this run asks for ({string.Join("; ", differences)}). " + (remedy ?? BaseProvenance.DefaultRemedy));
        var (train, test) = await WorldAsync(stages, options, progress, cancellationToken).ConfigureAwait(false);
        var check = BaseProvenance.Verify(folder, Path.Combine(stages.StageDirectory(RecipeStages.World), DataStages.WorldTrainFile), remedy);
        if (!check.ImagesMatch)
            progress.Info($"note: the world's scenes and questions are the base's, but its images were drawn with other pixels than the base saw (another renderer build); accuracy may shift slightly.");
        var result = await stages.RunAsync(RecipeStages.Base, (dir, _) =>
        {
            File.Copy(Path.Combine(folder, BaseProvenance.FileName), Path.Combine(dir, BaseProvenance.FileName), overwrite: true);
            progress.Info($"{RecipeStages.Base}: the pre-trained base {folder} ({provenance.Steps} steps, final loss {provenance.FinalLoss:F3}, world checked)");
            return Task.FromResult(new TrainingResult(provenance.Steps, provenance.PretrainingSamples, provenance.FinalLoss, folder));
        }, cancellationToken).ConfigureAwait(false);
        if (!SameFolder(result.ModelDirectory, folder))
            throw new BaseMismatchException($"The run folder {stages.Root} started from the base {result.ModelDirectory}, not {folder}; use a new output folder.");
        return new PretrainedBase(train, test, folder, provenance);
    }

    /// <summary>The base model folder in <paramref name="directory"/>: the folder itself when it holds <c>config.json</c>, else its <c>base/model</c> (a pre-training's run folder).</summary>
    /// <exception cref="DirectoryNotFoundException">Neither holds a model.</exception>
    public static string ModelFolderOf(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var full = Path.GetFullPath(directory);
        foreach (var candidate in new[] { full, Path.Combine(full, RecipeStages.Base, RecipeStages.ModelFolder) })
            if (File.Exists(Path.Combine(candidate, "config.json"))) return candidate;
        throw new DirectoryNotFoundException($"No base model in {full}: expected config.json there or in {Path.Combine(RecipeStages.Base, RecipeStages.ModelFolder)} under it.");
    }

    /// <summary>Renders (or reuses) the world of <paramref name="options"/> in the stage <see cref="RecipeStages.World"/> and reads its splits.</summary>
    public static async Task<(List<MathProblem> Train, List<MathProblem> Test)> WorldAsync(StageRunner stages, BasePretrainingOptions options, IRecipeProgress progress,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stages);
        ArgumentNullException.ThrowIfNull(options);
        await stages.RunAsync(RecipeStages.World, (_, ct) => DataStages.SyntheticWorldAsync(StageRun.In(stages, RecipeStages.World, progress),
            options.World, options.TrainItems, options.TestItems, options.TestMultiStepShare, ct), cancellationToken).ConfigureAwait(false);
        var worldDir = stages.StageDirectory(RecipeStages.World);
        var train = await ProblemSource.ReadAllAsync(Path.Combine(worldDir, DataStages.WorldTrainFile), cancellationToken: cancellationToken).ConfigureAwait(false);
        var test = await ProblemSource.ReadAllAsync(Path.Combine(worldDir, DataStages.WorldTestFile), cancellationToken: cancellationToken).ConfigureAwait(false);
        return (train, test);
    }

    /// <summary>
    /// Throws when a held-out problem is in the pre-training mix: by id, or by content (the same scene and question under
    /// another id; the image's bytes and the question for problems without a synthetic scene).
    /// </summary>
    /// <exception cref="InvalidOperationException">Some held-out problem is in <paramref name="samples"/>; the first ones are named.</exception>
    public static void AssertHeldOut(IReadOnlyList<ChatSample> samples, IReadOnlyList<MathProblem> test)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(test);
        var ids = test.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        var contents = test.Select(ContentKey).ToHashSet(StringComparer.Ordinal);
        var leaks = samples.Where(s => ids.Contains(s.Id) || (s.Problem is { Images.Count: > 0 } p && contents.Contains(ContentKey(p))))
            .Select(s => s.Id).Distinct().ToList();
        if (leaks.Count > 0)
            throw new InvalidOperationException($"{leaks.Count} held-out problem(s) are in the pre-training mix ({string.Join(", ", leaks.Take(3))}); the mix must be built from the train split only.");
    }

    private static string ContentKey(MathProblem p) =>
        (p.Metadata?.GetValueOrDefault(SyntheticMetadataKeys.Scene) ?? string.Join(",", p.Images.Select(i => i.Bytes is { } b ? Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(b)) : i.Path)))
        + "\n" + p.Question;

    /// <summary>
    /// Rebuilds the first <paramref name="steps"/> optimizer steps of the base in <paramref name="baseModelDirectory"/> from its
    /// provenance (world rendered into <paramref name="workDirectory"/> and checked, the mix checked against its digest, the
    /// base's tokenizer, the same initialisation, order and precision) and returns their losses, to compare with
    /// <see cref="BaseProvenance.FirstLosses"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The world or the mix differ from the base's.</exception>
    public static async Task<IReadOnlyList<double>> FirstStepLossesAsync(string baseModelDirectory, int steps, string workDirectory, IRecipeProgress progress,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        var folder = ModelFolderOf(baseModelDirectory);
        var options = BaseProvenance.Read(folder).Options;
        var stages = new StageRunner(workDirectory);
        var (train, test) = await WorldAsync(stages, options, progress, cancellationToken).ConfigureAwait(false);
        var provenance = BaseProvenance.Verify(folder, Path.Combine(stages.StageDirectory(RecipeStages.World), DataStages.WorldTrainFile)).Provenance;
        var samples = options.Mix().Samples(train);
        AssertHeldOut(samples, test);
        if (BaseProvenance.MixSha256(samples) != provenance.PretrainingMixSha256)
            throw new InvalidOperationException($"The pre-training mix rebuilt from {folder}'s provenance differs from the one it was trained on (SHA-256 {provenance.PretrainingMixSha256}).");
        var template = new ChatTemplate(TokenizerLoader.FromFolder(folder), ChatTemplateOptions.NoSystemPrompt);
        using var policy = new QwenPolicy(NewModel(options), [template.Tokenizer.Special.ImEnd]);
        using var trainer = new SftTrainer<IReadOnlyList<ChatTurn>>(policy, new ChatSftCollator(template, new ImageLoader(options.Family.ImageProcessor())),
            samples.Select(s => s.ToConversation()).ToList(), options.Sft with { Seed = options.Seed, OutputDirectory = null });
        var losses = new List<double>(steps);
        for (int i = 0; i < Math.Min(steps, trainer.TotalSteps); i++) losses.Add(trainer.TrainStep(cancellationToken).Loss);
        return losses;
    }

    private static QwenVLModel NewModel(BasePretrainingOptions options)
    {
        var model = PresetOf(options).Create(VisionR1Runtime.ParseDevice(options.Device), options.DType);
        model.InitializeWeights(options.Seed);
        return model;
    }

    /// <summary>The vocabulary of <see cref="BasePretrainingOptions.Preset"/> of <see cref="BasePretrainingOptions.Family"/>, and how to build it.</summary>
    /// <exception cref="ArgumentException">The family has no preset of that name.</exception>
    private static (int VocabSize, Func<Device, ScalarType, QwenVLModel> Create) PresetOf(BasePretrainingOptions options)
    {
        if (options.Family == QwenVLFamily.Qwen3VL)
        {
            var qwen3 = Qwen3VLPresets.ByName(options.Preset);
            return (qwen3.Text.VocabSize, (device, dtype) => new Qwen3VLModel(qwen3, device, dtype));
        }
        var qwen25 = Qwen25VLPresets.ByName(options.Preset);
        return (qwen25.Text.VocabSize, (device, dtype) => new Qwen25VLModel(qwen25, device, dtype));
    }

    private static BaseProvenance ProvenanceOf(BasePretrainingOptions options, StageRunner stages, IReadOnlyList<ChatSample> samples, TrainingResult trained)
    {
        var (split, images) = BaseProvenance.TrainSplitSha256Of(Path.Combine(stages.StageDirectory(RecipeStages.World), DataStages.WorldTrainFile));
        var args = Environment.GetCommandLineArgs();
        var caller = options.Caller ?? string.Join(' ', [Path.GetFileNameWithoutExtension(args[0]), .. args.Skip(1)]);
        return new BaseProvenance
        {
            GeneratorVersion = SyntheticWorldGenerator.Version, TrainSplitSha256 = split, TrainImagesSha256 = images,
            PretrainingMixSha256 = BaseProvenance.MixSha256(samples), PretrainingSamples = samples.Count, Steps = trained.Steps, FinalLoss = trained.LastValue,
            FirstLosses = FirstLosses(Path.Combine(stages.StageDirectory(RecipeStages.Base), JsonlMetricsSink.MetricsFileName)),
            Precision = options.DType == ScalarType.BFloat16 ? "bf16" : options.DType == ScalarType.Float32 ? "fp32" : options.DType.ToString(),
            Caller = caller, Commit = RepositoryCommit.Find(AppContext.BaseDirectory),
            LibraryVersion = typeof(BasePretraining).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion,
            Options = options with { Caller = caller, Sft = options.Sft with { Seed = options.Seed, OutputDirectory = null } },
        };
    }

    private static List<double> FirstLosses(string metricsFile)
    {
        var losses = new SortedDictionary<long, double>();
        foreach (var line in File.ReadLines(metricsFile))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var doc = JsonDocument.Parse(line);
            if (doc.RootElement.TryGetProperty("step", out var step) && doc.RootElement.TryGetProperty("loss", out var loss)) losses[step.GetInt64()] = loss.GetDouble();
        }
        return losses.Values.Take(BaseProvenance.RecordedLosses).ToList();
    }

    private static bool SameFolder(string a, string b) =>
        string.Equals(Path.TrimEndingDirectorySeparator(Path.GetFullPath(a)), Path.TrimEndingDirectorySeparator(Path.GetFullPath(b)), StringComparison.Ordinal);
}
