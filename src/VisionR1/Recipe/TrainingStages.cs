using System.Globalization;
using VisionR1.Answers;
using VisionR1.Grpo.Evaluation;
using VisionR1.Grpo.Metrics;
using VisionR1.Grpo.Policies;
using VisionR1.Grpo.Rollout;
using VisionR1.Grpo.Training;
using VisionR1.Inputs;
using VisionR1.Model;
using VisionR1.Problems;
using VisionR1.Recipe;
using VisionR1.Text;
using static TorchSharp.torch;
using VisionR1.Grpo.Rewards;
using VisionR1.Data.Records;

namespace VisionR1.Recipe;

/// <summary>
/// The recipe's training stages as library calls: cold-start SFT and GRPO with PTST on a Qwen vision-language model of either family, and the evaluation
/// of a trained model (<see cref="Evaluate"/>). Each training stage runs in
/// its <see cref="StageRun.Directory"/> (checkpoints, metrics.jsonl, events.jsonl), resumes from the newest checkpoint
/// there, reports through the <see cref="IRecipeProgress"/>, and ends by writing the trained model with its tokenizer
/// to <c>DIR/model</c> (<see cref="ModelFolder"/>). A stopped run throws <see cref="OperationCanceledException"/>
/// after its safe-stop checkpoint; call again to continue.
/// </summary>
public static class TrainingStages
{
    /// <summary>The folder inside a stage's folder that holds its final Hugging Face checkpoint.</summary>
    public const string ModelFolder = RecipeStages.ModelFolder;

    /// <summary>
    /// Supervised fine-tuning of <paramref name="model"/> (which the call takes over and disposes) on <paramref name="samples"/>,
    /// their images decoded per batch through <paramref name="images"/>.
    /// </summary>
    public static TrainingResult Sft(StageRun run, QwenVLModel model, ChatTemplate template, IReadOnlyList<ChatSample> samples,
        SftOptions options, string description, ImageLoader? images = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(options);
        using var policy = new QwenPolicy(model, [template.Tokenizer.Special.ImEnd]);
        using var trainer = new SftTrainer<IReadOnlyList<ChatTurn>>(policy, new ChatSftCollator(template, images), samples.Select(s => s.ToConversation()).ToList(),
            options with { OutputDirectory = run.Directory });
        var last = new InMemoryMetricsSink();
        var result = Train(run, trainer.TryResume()?.Step, sink => trainer.Metrics = sink, last,
            $"{description}: {samples.Count} samples, {trainer.TotalSteps} steps", trainer.TotalSteps, () => trainer.Step,
            () => trainer.Train(null, cancellationToken), cancellationToken);
        double loss = last.SftSteps.Count > 0 ? last.SftSteps[^1].Loss : double.NaN;
        var folder = SaveModel(model, template.Tokenizer, run.Directory);
        run.Progress.End(run.Stage, string.Create(CultureInfo.InvariantCulture, $"{result.Step} steps, last loss {loss:F3}"));
        return new TrainingResult(result.Step, samples.Count, loss, folder);
    }

    /// <summary>
    /// GRPO with the schedule of <paramref name="options"/> (PTST) on <paramref name="prompts"/>, scored by <paramref name="rewards"/>,
    /// starting from <paramref name="model"/> (which the call takes over and disposes; the KL reference is a frozen copy of it as given).
    /// </summary>
    public static TrainingResult Grpo(StageRun run, QwenVLModel model, ChatTemplate template, IReadOnlyList<GrpoPrompt> prompts,
        IReadOnlyList<WeightedReward> rewards, GrpoOptions options, string description, ImageLoader? images = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(options);
        using var policy = new QwenPolicy(model, [template.Tokenizer.Special.ImEnd]);
        using var trainer = new GrpoTrainer(policy, new ChatPromptEncoder(template, images), template.Tokenizer, rewards, prompts,
            options with { OutputDirectory = run.Directory });
        var last = new InMemoryMetricsSink();
        var result = Train(run, trainer.TryResume()?.Step, sink => trainer.Metrics = sink, last,
            $"{description} over {prompts.Count} prompts", options.Schedule.TotalSteps ?? 0, () => trainer.Step,
            () => trainer.Train(null, cancellationToken), cancellationToken);
        double reward = last.GrpoSteps.Count > 0 ? last.GrpoSteps[^1].RewardMean : double.NaN;
        var folder = SaveModel(model, template.Tokenizer, run.Directory);
        run.Progress.End(run.Stage, string.Create(CultureInfo.InvariantCulture, $"{result.Step} steps, last mean reward {reward:F3}"));
        return new TrainingResult(result.Step, prompts.Count, reward, folder);
    }

    /// <summary>The predictions file an evaluation stage writes in its folder.</summary>
    public const string PredictionsFile = "predictions.jsonl";

    /// <summary>
    /// Evaluates the Hugging Face folder <paramref name="modelDirectory"/> (either family) on <paramref name="problems"/> with <see cref="LocalEvaluator"/>,
    /// writing <c>DIR/predictions.jsonl</c> (<see cref="PredictionsFile"/>) and reporting each problem done and the accuracy at the end.
    /// Images go through <paramref name="images"/>, or when null through the folder's image processor (<see cref="QwenVLFamilies.ImageProcessorOf"/>).
    /// </summary>
    public static LocalEvaluation Evaluate(StageRun run, string modelDirectory, Device device, ScalarType dtype, ChatTemplate template,
        IReadOnlyList<MathProblem> problems, LocalEvaluationOptions options, IAnswerVerifier verifier, string description,
        ImageLoader? images = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(problems);
        ArgumentNullException.ThrowIfNull(options);
        using var model = QwenVLModel.FromPretrained(modelDirectory, device, dtype);
        run.Progress.Begin(run.Stage, $"{description} on {problems.Count} problems", problems.Count);
        run.Progress.Update(run.Stage, 0);
        var result = new LocalEvaluator(template, images ?? new ImageLoader(QwenVLFamilies.ImageProcessorOf(modelDirectory)), verifier).Evaluate(model, problems, options,
            Path.Combine(run.Directory, PredictionsFile), new Progress<int>(done => run.Progress.Update(run.Stage, done)), cancellationToken);
        run.Progress.End(run.Stage, string.Create(CultureInfo.InvariantCulture, $"accuracy {result.Accuracy:P1} [{result.CiLower:P1}, {result.CiUpper:P1}], format {result.FormatRate:P0}"));
        return result;
    }

    /// <summary>
    /// Writes <paramref name="model"/> and <paramref name="tokenizer"/> as a Hugging Face folder <c>stageDirectory/model</c>,
    /// through a temporary folder so a killed write never leaves half a model there. Returns the folder.
    /// </summary>
    public static string SaveModel(QwenVLModel model, ITextTokenizer tokenizer, string stageDirectory)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        var target = Path.Combine(stageDirectory, ModelFolder);
        var temp = target + ".tmp";
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        model.SavePretrained(temp);
        tokenizer.Save(temp);
        if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
        Directory.Move(temp, target);
        return target;
    }

    private static TrainingRunResult Train(StageRun run, long? resumedAt, Action<IMetricsSink> setMetrics, InMemoryMetricsSink last, string description,
        double totalSteps, Func<long> step, Func<TrainingRunResult> train, CancellationToken cancellationToken)
    {
        using var jsonl = new JsonlMetricsSink(run.Directory, resumedAt ?? 0);
        setMetrics(new CompositeMetricsSink(jsonl, new RecipeMetricsSink(run.Progress, run.Stage), last));
        run.Progress.Begin(run.Stage, description, totalSteps);
        run.Progress.Update(run.Stage, step());
        var result = train();
        if (!result.Finished) throw new OperationCanceledException("Training stopped before the end.", cancellationToken);
        return result;
    }
}
