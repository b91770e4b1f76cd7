using VisionR1.Data.Synthetic;
using VisionR1.Recipe;
using System.Globalization;
using VisionR1.Answers;
using VisionR1.Data.Readers;
using VisionR1.Data.Records;
using VisionR1.Problems;
using VisionR1.Grpo.Evaluation;
using VisionR1.Inputs;
using VisionR1.Model;
using VisionR1.Model.Generation;
using VisionR1.Runtime;
using VisionR1.Text;
using VisionR1.Trainer.Cli;
using VisionR1.Trainer.Pipeline;

namespace VisionR1.Trainer.Commands;

/// <summary>`vr1 evaluate-local`: batched evaluation of a local model folder on a problem file, as the pipeline evaluates.</summary>
public sealed class EvaluateLocalCommand : ICliCommand, IHasSwitches
{
    /// <inheritdoc />
    public string Name => "evaluate-local";

    /// <inheritdoc />
    public string Summary => "Evaluate a local model folder on a problem file in generation batches (temperature 0.6 unless --temperature, top-p 0.95).";

    /// <inheritdoc />
    public string Usage =>
        "vr1 evaluate-local --model DIR --problems FILE --predictions OUT.jsonl [--tokenizer DIR] [--direct] [--limit N]\n" +
        "                   [--batch 64] [--concurrent 1] [--max-new-tokens 256] [--temperature 0.6] [--seed S] [--device cpu|cuda] [--dtype auto|fp32|bf16] [--strict]\n" +
        "  A bad item (unreadable line, image outside the data folder or undecodable, prompt too long for the model) is named\n" +
        "  (file:line or id, and why), counted and left out of the accuracy, which says how many items it is over; --strict stops instead.\n" +
        "  --direct asks for a short answer (as the pipeline asks its base model); otherwise the bare question is asked and\n" +
        "  the " + ThinkAnswerFormat.DefaultAnswerOpen + " tag is judged. --temperature 0 decodes greedily. --concurrent N runs N batches side by side,\n" +
        "  each on its own thread with a share of the threads (batch b samples with seed + b either way). The tokenizer is read from --tokenizer, else from the model folder.";

    /// <inheritdoc />
    public IReadOnlyList<string> Switches => ["direct", "fp32", "strict"];

    /// <inheritdoc />
    public async Task<int> RunAsync(CliArgs args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var modelDir = args.Require("model");
        var problemsFile = args.Require("problems");
        var predictions = args.Require("predictions");
        var tokenizerDir = args.Get("tokenizer") ?? modelDir;
        bool direct = args.Flag("direct");
        var precision = PrecisionOption.Read(args, "fp32");
        int limit = args.GetInt("limit", int.MaxValue);
        int batch = args.GetInt("batch", 64);
        int concurrent = args.GetInt("concurrent", 1);
        int maxNew = args.GetInt("max-new-tokens", direct ? 16 : 256);
        int seed = args.GetInt("seed", 0);
        double? temperature = args.Get("temperature") is null ? null : args.GetDouble("temperature", 0.6);
        var device = args.Get("device") ?? "cpu";
        bool strict = args.Flag("strict");
        args.ThrowOnUnknown();
        if (batch < 1 || concurrent < 1 || maxNew < 1 || limit < 1) throw new CliUsageException("--batch, --concurrent, --max-new-tokens and --limit must be positive.");
        if (temperature < 0) throw new CliUsageException("--temperature must be 0 (greedy) or positive.");
        if (!Directory.Exists(modelDir)) throw new CliUsageException($"--model: folder '{modelDir}' not found.");
        if (!File.Exists(problemsFile)) throw new CliUsageException($"--problems: file '{problemsFile}' not found.");

        using var outLock = VisionR1.IO.OutputFolderLock.AcquireForFile(predictions, "vr1 evaluate-local");
        VisionR1.IO.AtomicFile.RemoveOrphans(predictions); // left by a killed earlier run
        var runtime = VisionR1Runtime.Initialize(device, precision: precision);
        var report = new ReadReport();
        var read = new List<MathProblem>();
        await foreach (var p in ProblemSource.Open(problemsFile, new ReadOptions(Strict: strict), report, cancellationToken).ConfigureAwait(false))
        {
            read.Add(p);
            if (read.Count >= limit) break;
        }
        var template = new ChatTemplate(TokenizerLoader.FromFolder(tokenizerDir), ChatTemplateOptions.NoSystemPrompt);
        using var model = Qwen25VLModel.FromPretrained(modelDir, VisionR1Runtime.ParseDevice(device), runtime.Precision.Dtype);
        var images = new ImageLoader();
        // Each item is checked on its own (images decoded, prompt within the model's positions) so that one bad item is
        // skipped by name instead of failing the batch it would land in.
        var problems = new List<MathProblem>(read.Count);
        foreach (var p in read)
        {
            string? why;
            try
            {
                var prompt = images.Resolve(ProblemTurns.User(p, direct ? SyntheticPrompts.Direct(p) : SyntheticPrompts.Question(p)));
                why = PromptBudget.Check(template.Encode(prompt, addGenerationPrompt: true).Length, maxNew, model.Config.Text);
            }
            catch (Exception e) when (e is InvalidImageException or InvalidDataException or IOException)
            {
                why = e.Message;
            }
            if (why is null) problems.Add(p);
            else if (strict) throw new InvalidDataException($"{problemsFile}: item '{p.Id}': {why}");
            else report.Skip($"{problemsFile}: item '{p.Id}'", why);
        }
        foreach (var s in report.Skipped) stderr.WriteLine($"evaluate-local: skipped {s.Location}: {s.Reason}");
        var options = new LocalEvaluationOptions
        {
            BatchSize = batch,
            ConcurrentBatches = concurrent,
            MaxNewTokens = maxNew,
            Seed = seed,
            Temperature = temperature,
            DirectAnswer = direct,
            Prompt = direct ? SyntheticPrompts.Direct : SyntheticPrompts.Question,
        };
        var result = new LocalEvaluator(template, images, new MathVerifier()).Evaluate(model, problems, options, predictions, null, cancellationToken);
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{result.Items} items ({report.Skipped.Count} skipped): accuracy {result.Accuracy:P1} [{result.CiLower:P1}, {result.CiUpper:P1}] over {result.Items}, format {result.FormatRate:P1}, mean tokens {result.MeanCompletionTokens:F1}, reflective {result.ReflectiveRate:P1}, clipped {result.ClippedRate:P1}, {result.Seconds:F1} s"));
        return 0;
    }
}
