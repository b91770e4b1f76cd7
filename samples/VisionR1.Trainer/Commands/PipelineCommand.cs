using System.Globalization;
using Microsoft.Extensions.AI;
using Spectre.Console;
using Spectre.Console.Rendering;
using VisionR1.Data.Readers;
using VisionR1.Data.Synthetic;
using VisionR1.Runtime;
using VisionR1.Trainer.Cli;
using VisionR1.Recipe;
using VisionR1.Trainer.Pipeline;

namespace VisionR1.Trainer.Commands;

/// <summary>
/// `vr1 pipeline` (the default command): the whole Vision-R1 recipe on the embedded synthetic world, or on a real
/// Qwen2.5-VL folder with --model. Resumable: a rerun skips finished stages.
/// </summary>
public sealed class PipelineCommand : ICliCommand, IHasSwitches
{
    /// <inheritdoc />
    public string Name => "pipeline";

    /// <inheritdoc />
    public string Summary => "Run the whole Vision-R1 recipe (world → base → cold start → CI → GRPO/PTST → evaluation); resumable.";

    /// <inheritdoc />
    public string Usage =>
        "vr1 pipeline [--out DIR] [--quick] [--variant ptst|zero|long|all] [--seed S] [--device cpu|cuda] [--dtype auto|fp32|bf16]\n" +
        "             [--until base|ci|vision_r1] [--set Name=Value ...] [--budget MINUTES]\n" +
        "             [--model HFDIR --train PROBLEMS --eval PROBLEMS [--teacher-endpoint URL --teacher-model NAME]]\n" +
        "  Embedded run (default): renders the synthetic world, trains the compact tokenizer, pre-trains a 'small' model from\n" +
        "  scratch (base), builds cold-start CoT with the synthetic teacher, filters it, runs cold-start SFT (ci), GRPO with\n" +
        "  PTST and the hard format result reward (vision_r1), and evaluates each on the held-out split. --variant adds the\n" +
        "  paper's Table 3 runs: zero (RL from base, 1:1 soft reward), long (one long stage from ci); all = both.\n" +
        "  Writes DIR/metrics.jsonl, DIR/summary.json, DIR/plots/*.png and DIR/<stage>/model (HF layout + tokenizer).\n" +
        "  --quick: every stage with tiny sizes (a smoke run). Ctrl-C stops cleanly; the same command resumes.\n" +
        "  --until: stop training after that stage and evaluate the models so far. --set: override a size or setting of\n" +
        "  the run (repeatable), e.g. --set TrainItems=6000 --set GrpoLearningRate=3e-4 --set Difficulty.MaxShapes=4.\n" +
        "  --dtype: auto (default) trains in bf16 only where a timed product shows bf16 faster on this machine.\n" +
        "  --budget: wall-time budget of the embedded run in minutes (none by default: no size is cut): a start-up probe\n" +
        "  times a few training steps, predicts every stage and reduces the sizes until the prediction fits (DIR/plan.json;\n" +
        "  a resumed run keeps the plan it started with).\n" +
        "  Real path: --model a Qwen2.5-VL folder (base), --train Parquet/JSONL problems, --eval a benchmark file; cold start\n" +
        "  through --teacher-endpoint (OpenAI-compatible; key from OPENAI_API_KEY), or the synthetic teacher when the\n" +
        "  training problems come from the synthetic world.";

    /// <inheritdoc />
    public IReadOnlyList<string> Switches => ["quick", "fp32"];

    /// <inheritdoc />
    public async Task<int> RunAsync(CliArgs args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        bool quick = args.Flag("quick");
        var precision = PrecisionOption.Read(args, "fp32");
        var output = args.Get("out");
        var variant = (args.Get("variant") ?? "ptst").Trim().ToLowerInvariant();
        var seedText = args.Get("seed") ?? "0";
        var device = args.Get("device") ?? "cpu";
        var model = args.Get("model");
        var train = args.Get("train");
        var eval = args.Get("eval");
        var teacher = args.Get("teacher-endpoint");
        var teacherModel = args.Get("teacher-model") ?? "teacher";
        var until = args.Get("until")?.Trim().ToLowerInvariant();
        var overrides = args.GetAll("set");
        double budgetMinutes = args.GetDouble("budget", 0);
        args.ThrowOnUnknown();
        if (budgetMinutes < 0 || !double.IsFinite(budgetMinutes)) throw new CliUsageException($"--budget must be 0 (none) or a positive number of minutes, got {budgetMinutes}.");
        if (until is not null && until is not (RecipeStages.Base or RecipeStages.Ci or RecipeStages.VisionR1))
            throw new CliUsageException($"--until must be base, ci or vision_r1, got '{until}'.");

        if (!long.TryParse(seedText, NumberStyles.Integer, CultureInfo.InvariantCulture, out long seed))
            throw new CliUsageException($"--seed expects an integer, got '{seedText}'.");
        IReadOnlyList<string> variants = variant switch
        {
            "ptst" => [RecipeStages.VisionR1],
            "zero" => [RecipeStages.VisionR1, RecipeStages.Zero],
            "long" => [RecipeStages.VisionR1, RecipeStages.Long],
            "all" => [RecipeStages.VisionR1, RecipeStages.Zero, RecipeStages.Long],
            _ => throw new CliUsageException($"--variant must be ptst, zero, long or all, got '{variant}'."),
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

        var options = (quick ? PipelineOptions.Quick : PipelineOptions.Default) with
        {
            OutputDirectory = output ?? (quick ? "runs/pipeline-quick" : "runs/pipeline"),
            Seed = seed,
            Device = device,
            Variants = variants,
            Until = until,
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
        if (!options.IsQuick && model is null && (budgetMinutes > 0 || File.Exists(Path.Combine(root, RunPlan.FileName))))
        {
            var (sized, plan, reused) = PipelineBudget.Resolve(options, root, budgetMinutes * 60, runtime.Device, runtime.Precision.Dtype, cancellationToken);
            options = sized with { Bf16 = plan.Dtype == "bf16" };
            if (reused && plan.Dtype != runtime.Precision.DtypeName)
                stdout.WriteLine($"resuming a {plan.Dtype} run: keeping {plan.Dtype} (this start resolved {runtime.Precision.DtypeName})");
            stdout.WriteLine((reused ? "resumed " : "") + plan.Describe() + (reused ? "" : $"; cost ratios of the {PipelineBudget.For(runtime.Precision.Dtype).Name} reference run"));
            startPlan = plan;
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Task<RecipeSummary> Run(PipelineRunner r) => model is null ? r.RunAsync(cancellationToken) : RunRealPathAsync(r, options, model, train!, eval!, teacher, teacherModel, cancellationToken);
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
                    runner = new PipelineRunner(options, new SpectreProgress(ctx));
                    result = await Run(runner).ConfigureAwait(false);
                }).ConfigureAwait(false);
            summary = result!;
        }
        else
        {
            runner = new PipelineRunner(options, new PlainProgress(stdout));
            summary = await Run(runner).ConfigureAwait(false);
        }
        if (runner.Stages.Resumed.Count > 0)
            stdout.WriteLine("resumed (already finished): " + string.Join(", ", runner.Stages.Resumed));
        WriteTable(stdout, summary);
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"this run: {clock.Elapsed.TotalSeconds:F0} s wall; all stages: {summary.ElapsedSeconds:F0} s. Wrote {Path.Combine(runner.Stages.Root, "summary.json")}, metrics.jsonl, plots/."));
        if (startPlan is not null)
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"plan predicted {startPlan.PredictedTotalSeconds:F0} s; threads changed {ThreadGovernor.Changes} time(s) while other processes were busy."));
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
