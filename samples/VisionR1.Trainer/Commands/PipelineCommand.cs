using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.AI;
using Spectre.Console;
using Spectre.Console.Rendering;
using VisionR1.Data.Readers;
using VisionR1.Data.Synthetic;
using VisionR1.Grpo.Training;
using VisionR1.Model;
using VisionR1.Runtime;
using VisionR1.Trainer.Cli;
using VisionR1.Recipe;
using VisionR1.Trainer.Pipeline;

namespace VisionR1.Trainer.Commands;

/// <summary>
/// `vr1 pipeline` (the default command): the whole Vision-R1 recipe on the embedded synthetic world, or on a real
/// Qwen2.5-VL or Qwen3-VL folder with --model. Resumable: a rerun skips finished stages.
/// </summary>
public sealed class PipelineCommand : ICliCommand
{
    private readonly Option<bool> _quick = Opt.Switch("--quick", "Every stage with tiny sizes (a smoke run).");
    private readonly Option<string?> _out = Opt.Text("--out", "The run folder [default: runs/pipeline, or runs/pipeline-quick with --quick].", "DIR");
    private readonly Option<string> _device = CommonOptions.Device("cpu|cuda");
    private readonly Option<string?> _model = Opt.Text("--model", "Real path: a Qwen2.5-VL or Qwen3-VL folder (the base) instead of the embedded world and model.", "HFDIR");
    private readonly Option<string?> _train = Opt.Text("--train", "Real path: the training problems (Parquet or JSONL).", "PROBLEMS");
    private readonly Option<string?> _eval = Opt.Text("--eval", "Real path: the benchmark file the stages are evaluated on.", "PROBLEMS");
    private readonly Option<string?> _teacherEndpoint = Opt.Text("--teacher-endpoint", "Real path: the OpenAI-compatible teacher of the cold start (key from OPENAI_API_KEY) [default: the synthetic teacher, for synthetic-world problems].", "URL");
    private readonly Option<string> _teacherModel = Opt.Text("--teacher-model", "teacher", "The teacher's model name at --teacher-endpoint.", "NAME");
    private readonly Option<string?> _base = Opt.Text("--base", "Start from this pre-trained base (a `vr1 pretrain` folder or its base/model) instead of pre-training one in the run; the run checks it renders the world the base was trained on.", "DIR");
    private readonly Option<string> _family = CommonOptions.Family(
        "The model family of the embedded run's base: qwen3-vl pre-trains a Qwen3-VL base of the preset in the run (no such base ships), with its image processor, and states no run plan (--budget is Qwen2.5-VL's); a --base must be of the family.");
    private readonly Option<bool> _pretrain = Opt.Switch("--pretrain", "Pre-train the base inside the run instead of starting from the shipped one (Base/small beside vr1, trained by `vr1 pretrain` on the default world).");
    private readonly Option<string[]> _set = Opt.Many("--set", "Override a size or setting of the run (repeatable), e.g. --set TrainItems=6000 --set GrpoLearningRate=3e-4 --set Difficulty.MaxShapes=4.", "Name=Value");
    private readonly Option<double> _budget = Opt.Number("--budget", 0, "Wall-time budget of the embedded run in minutes (0: none, no size is cut): a start-up probe times a few training steps, predicts every stage and reduces the sizes until the prediction fits (DIR/plan.json; a resumed run keeps its plan).", "MINUTES");
    private readonly Option<string> _variant = Opt.Choice("--variant", "Adds the paper's Table 3 runs: zero (RL from base, 1:1 soft reward), long (one long stage from ci); all = both.", ["ptst", "zero", "long", "all"]);
    private readonly Option<string?> _ablation = Ablation();
    private readonly Option<long> _seed = Opt.Long("--seed", 0, "Seed of the world, the models and every stage.", "S");
    private readonly Option<string?> _until = Until();
    private readonly PrecisionOption _precision = new("fp32");

    /// <inheritdoc />
    public string Name => "pipeline";

    /// <inheritdoc />
    public string Summary => "Run the whole Vision-R1 recipe (world → base → cold start → CI → GRPO/PTST → evaluation); resumable.";

    /// <inheritdoc />
    public string Details =>
        "Embedded run (default): renders the synthetic world, starts from the 'small' base shipped beside vr1 (pre-trained on that world by " +
        "`vr1 pretrain`, checked against it; --base DIR gives another, --pretrain trains one in the run), builds cold-start CoT with the synthetic teacher, filters it, runs cold-start SFT (ci), GRPO with " +
        "PTST and the hard format result reward (vision_r1), and evaluates each on the held-out split. Writes DIR/metrics.jsonl, " +
        "DIR/summary.json, DIR/plots/*.png and DIR/<stage>/model (HF layout + tokenizer). Ctrl-C stops cleanly; the same command resumes.\n" +
        "Real path: --model a Qwen2.5-VL or Qwen3-VL folder (base), --train Parquet/JSONL problems, --eval a benchmark file; cold start " +
        "through --teacher-endpoint, or the synthetic teacher when the training problems come from the synthetic world.";

    private static Option<string?> Ablation()
    {
        var option = Opt.Text("--ablation",
            "The estimator ablation: for each named algorithm but the run's own (grpo, trained as vision_r1), one more GRPO stage from the same CI model with the " +
            "PTST schedule and the other GRPO settings (dynamic sampling included) unchanged, evaluated and compared with CI (summary.json, " +
            $"DIR/{AblationTable.FileName}); on a finished run only the new stages run. Names: {string.Join(", ", GrpoAlgorithmNames.All)}.",
            "all|NAME[,NAME...]");
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is not { } list) return;
            try
            {
                GrpoAlgorithmNames.ParseList(list);
            }
            catch (ArgumentException e)
            {
                r.AddError("--ablation: " + e.Message);
            }
        });
        return option;
    }

    private static Option<string?> Until()
    {
        string[] stages = [RecipeStages.Base, RecipeStages.Ci, RecipeStages.VisionR1];
        var option = new Option<string?>("--until")
        {
            Description = "Stop training after that stage and evaluate the models so far.",
            HelpName = string.Join('|', stages),
            CustomParser = r => r.Tokens[^1].Value.Trim().ToLowerInvariant(),
        };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } until && !stages.Contains(until))
                r.AddError($"--until must be base, ci or vision_r1, got '{until}'.");
        });
        return option;
    }

    /// <inheritdoc />
    public async Task<int> RunAsync(ParseResult parse, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        bool quick = parse.GetValue(_quick);
        var precision = _precision.Read(parse);
        var output = parse.GetValue(_out);
        var variant = parse.GetValue(_variant)!;
        long seed = parse.GetValue(_seed);
        var device = parse.GetValue(_device)!;
        var model = parse.GetValue(_model);
        var train = parse.GetValue(_train);
        var eval = parse.GetValue(_eval);
        var teacher = parse.GetValue(_teacherEndpoint);
        var teacherModel = parse.GetValue(_teacherModel)!;
        var until = parse.GetValue(_until);
        var overrides = parse.GetValue(_set)!;
        double budgetMinutes = parse.GetValue(_budget);
        var baseDir = parse.GetValue(_base);
        var family = QwenVLFamilies.Parse(parse.GetValue(_family)!);
        if (family != QwenVLFamily.Qwen25VL && model is not null)
            throw new CliUsageException("--family is the embedded run's: the real path's family is its --model folder's.");
        if (baseDir is not null && parse.GetValue(_pretrain)) throw new CliUsageException("--base and --pretrain exclude each other: start from a base, or pre-train one.");
        if (baseDir is not null && model is not null) throw new CliUsageException("--base is the embedded run's: the real path starts from --model.");
        if (baseDir is not null && !Directory.Exists(baseDir)) throw new CliUsageException($"--base: folder '{baseDir}' not found.");
        if (parse.GetValue(_ablation) is not null && until is RecipeStages.Base or RecipeStages.Ci)
            throw new CliUsageException($"--ablation trains GRPO stages from ci, which --until {until} stops before.");
        if (budgetMinutes < 0 || !double.IsFinite(budgetMinutes)) throw new CliUsageException($"--budget must be 0 (none) or a positive number of minutes, got {budgetMinutes}.");
        if (family != QwenVLFamily.Qwen25VL && budgetMinutes > 0)
            throw new CliUsageException("--budget sizes the run from Qwen2.5-VL cost references: it takes the qwen2.5-vl family only.");

        IReadOnlyList<string> variants = variant switch
        {
            "ptst" => [RecipeStages.VisionR1],
            "zero" => [RecipeStages.VisionR1, RecipeStages.Zero],
            "long" => [RecipeStages.VisionR1, RecipeStages.Long],
            _ => [RecipeStages.VisionR1, RecipeStages.Zero, RecipeStages.Long],
        };
        if (model is null && (train is not null || eval is not null || teacher is not null))
            throw new CliUsageException("--train, --eval and --teacher-endpoint belong to the real path and need --model.");
        if (model is not null)
        {
            if (train is null || eval is null) throw new CliUsageException("The real path needs --train and --eval with --model.");
            if (!Directory.Exists(model)) throw new CliUsageException($"--model: folder '{model}' not found.");
            foreach (var (name, file) in new[] { ("train", train), ("eval", eval) })
                if (!File.Exists(file)) throw new CliUsageException($"--{name}: file '{file}' not found.");
        }

        var defaults = quick ? PipelineOptions.Quick : PipelineOptions.Default;
        var options = defaults with
        {
            OutputDirectory = output ?? (quick ? "runs/pipeline-quick" : "runs/pipeline"),
            Seed = seed,
            Device = device,
            Variants = variants,
            Ablation = parse.GetValue(_ablation) is { } ablation ? GrpoAlgorithmNames.ParseList(ablation) : [],
            Until = until,
            Family = family,
            // Only Qwen2.5-VL bases ship: another family's base is pre-trained in the run unless --base gives one.
            BaseModelDirectory = parse.GetValue(_pretrain) ? null : baseDir is not null ? Path.GetFullPath(baseDir)
                : family == QwenVLFamily.Qwen25VL ? defaults.BaseModelDirectory : null,
        };
        try
        {
            options = PipelineOverrides.Apply(options, overrides);
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException("--set: " + e.Message);
        }
        var runtime = VisionR1Runtime.Initialize(device.StartsWith("cuda", StringComparison.OrdinalIgnoreCase) ? device : "cpu", precision: precision);
        options = options with { Bf16 = runtime.Precision.IsBf16 };

        using var outLock = VisionR1.IO.OutputFolderLock.Acquire(options.OutputDirectory, "vr1 pipeline");
        stdout.WriteLine($"vr1 pipeline: {(model is not null ? "real path on " + model : quick ? "quick smoke run" : "embedded default run")} -> {Path.GetFullPath(options.OutputDirectory)}");
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"runtime: {runtime.Device.type.ToString().ToLowerInvariant()}, {TorchSharp.torch.get_num_threads()} threads, {ThreadWaitPolicy.Describe()}, {NativeAllocator.Describe()}"));
        stdout.WriteLine($"precision: {runtime.Precision.DtypeName}: {runtime.Precision.Reason}");
        RunPlan? startPlan = null;
        var root = Path.GetFullPath(options.OutputDirectory);
        // The plan's probe and cost references are the Qwen2.5-VL base's: another family's run states no plan.
        if (!options.IsQuick && model is null && family == QwenVLFamily.Qwen25VL) // the embedded run always states its plan; only --budget cuts sizes
        {
            var (sized, plan, reused) = PipelineBudget.Resolve(options, root, budgetMinutes * 60, runtime.Device, runtime.Precision.Dtype, cancellationToken);
            options = sized with { Bf16 = plan.Dtype == "bf16" };
            if (reused && plan.Dtype != runtime.Precision.DtypeName)
                stdout.WriteLine($"resuming a {plan.Dtype} run: keeping {plan.Dtype} (this start resolved {runtime.Precision.DtypeName})");
            stdout.WriteLine((reused ? "resumed " : "") + plan.Describe() + (reused ? "" : $"; cost ratios of the {PipelineBudget.For(runtime.Precision.Dtype).Name} reference run"));
            startPlan = plan;
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        async Task<RecipeSummary> Run(PipelineRunner r)
        {
            try
            {
                return await (model is null ? r.RunAsync(cancellationToken) : RunRealPathAsync(r, options, model, train!, eval!, teacher, teacherModel, cancellationToken)).ConfigureAwait(false);
            }
            catch (BaseMismatchException e)
            {
                throw new CliUsageException(e.Message);
            }
        }
        RecipeSummary summary;
        PipelineRunner runner;
        bool interactive = ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        if (interactive)
        {
            RecipeSummary? result = null;
            runner = null!;
            await AnsiConsole.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .StartAsync(async ctx =>
                {
                    runner = new PipelineRunner(options, new SpectreProgress(ctx), startPlan);
                    result = await Run(runner).ConfigureAwait(false);
                }).ConfigureAwait(false);
            summary = result!;
        }
        else
        {
            runner = new PipelineRunner(options, new PlainProgress(stdout), startPlan);
            summary = await Run(runner).ConfigureAwait(false);
        }
        if (runner.Stages.Resumed.Count > 0)
            stdout.WriteLine("resumed (already finished): " + string.Join(", ", runner.Stages.Resumed));
        WriteTable(stdout, summary);
        if (AblationTable.Markdown(summary) is { } ablationTable)
            stdout.Write(ablationTable);
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"this run: {clock.Elapsed.TotalSeconds:F0} s wall; all stages: {summary.ElapsedSeconds:F0} s. Wrote {Path.Combine(runner.Stages.Root, "summary.json")}, metrics.jsonl, plots/{(summary.Ablation is null ? "" : ", " + AblationTable.FileName)}."));
        if (startPlan is not null)
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{startPlan.Compare(PipelineBudget.MeasuredParts(summary.StageSeconds))}; threads changed {ThreadGovernor.Changes} time(s) while other processes were busy."));
        return 0;
    }

    /// <summary>
    /// The real path: <see cref="VisionR1Recipe"/> from the Hugging Face folder <paramref name="model"/> on the problems of
    /// <paramref name="trainFile"/>, evaluated on <paramref name="evalFile"/>, with the cold start through the teacher endpoint
    /// (or the synthetic teacher, for synthetic-world problems); the base is evaluated in the think/answer style.
    /// </summary>
    private static async Task<RecipeSummary> RunRealPathAsync(PipelineRunner runner, PipelineOptions options, string model, string trainFile, string evalFile,
        string? endpoint, string teacherModel, CancellationToken cancellationToken)
    {
        var train = await ProblemSource.ReadAllAsync(trainFile, cancellationToken: cancellationToken).ConfigureAwait(false);
        var test = await ProblemSource.ReadAllAsync(evalFile, cancellationToken: cancellationToken).ConfigureAwait(false);
        var recipe = options.ToRecipe() with
        {
            RlMinReasoningSteps = 1, BaseEvaluation = BaseEvaluationStyle.Reasoning, ProbeProblems = [],
            TeacherName = endpoint is null ? "the synthetic teacher" : $"the teacher at {endpoint}",
        };
        using IChatClient teacher = endpoint is not null ? ChatEndpointArgs.Create(endpoint, teacherModel)
            : new SyntheticTeacherChatClient(VisionR1Recipe.ColdStartPool(train, recipe), new SyntheticTeacherOptions { Seed = options.Seed, MaxExtraReflections = options.TeacherExtraReflections });
        return await runner.RunRecipeAsync(recipe, model, train, test, teacher, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Renders the results tables (accuracy, paired comparisons, breakdown by steps and family) to <paramref name="writer"/>.</summary>
    internal static void WriteTable(TextWriter writer, RecipeSummary summary)
    {
        var table = new Table().Title($"Held-out test split ({summary.TestItems} items)");
        foreach (var h in new[] { "model", "accuracy", "95% CI", "format", "mean tokens", "reflective", "clipped", "equations right", "arithmetic probe" }) table.AddColumn(h);
        foreach (var (name, e) in summary.Stages)
        {
            table.AddRow(
                Markup.Escape(name + (e.Mode == "direct" ? " (direct)" : "")),
                Pct(e.Accuracy), Markup.Escape($"[{Pct(e.CiLower)}, {Pct(e.CiUpper)}]"), Pct(e.FormatRate),
                e.MeanCompletionTokens.ToString("F1", CultureInfo.InvariantCulture), Pct(e.ReflectiveRate), Pct(e.ClippedRate),
                summary.Equations.TryGetValue(name, out var eq) && eq.Equations > 0 ? $"{eq.Right}/{eq.Equations}" : "-",
                summary.Probe.TryGetValue(name, out var probe) ? $"{Pct(probe.Accuracy)} of {probe.Items}" : "-");
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = ReferenceEquals(writer, Console.Out) && !Console.IsOutputRedirected ? AnsiSupport.Detect : AnsiSupport.No,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = Math.Max(console.Profile.Width, 110);
        console.Write((IRenderable)table);
        if (summary.Paired.Count > 0)
        {
            var paired = new Table().Title("Paired on the same items (exact McNemar)");
            foreach (var h in new[] { "model", "against", "gained", "lost", "difference", "p" }) paired.AddColumn(h);
            foreach (var r in summary.Paired)
                paired.AddRow(r.First ?? "", r.Second ?? "", r.Gained.ToString(CultureInfo.InvariantCulture), r.Lost.ToString(CultureInfo.InvariantCulture),
                    (100.0 * (r.Gained - r.Lost) / Math.Max(1, r.Items)).ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture),
                    VisionR1.Data.Benchmarks.PairedComparison.FormatP(r.PValue));
            console.Write((IRenderable)paired);
        }
        foreach (var key in summary.Breakdown.Values.SelectMany(b => b.Keys).Distinct())
        {
            // Every model answered the same items, so one model's groups give the columns and their sizes.
            var columns = summary.Breakdown.Values.First().GetValueOrDefault(key) ?? [];
            var t = new Table().Title($"Accuracy by {key}");
            t.AddColumn("model");
            foreach (var g in columns) t.AddColumn($"{g.Group} ({g.Items})");
            foreach (var (name, b) in summary.Breakdown)
            {
                var rows = b.GetValueOrDefault(key) ?? [];
                t.AddRow([name, .. columns.Select(c => rows.FirstOrDefault(r => r.Group == c.Group) is { } r ? Pct(r.Accuracy) : "-")]);
            }
            console.Write((IRenderable)t);
        }
    }

    private static string Pct(double v) => (100 * v).ToString("F1", CultureInfo.InvariantCulture) + "%";
}
