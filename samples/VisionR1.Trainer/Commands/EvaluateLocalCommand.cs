using System.CommandLine;
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
public sealed class EvaluateLocalCommand : ICliCommand
{
    private readonly Option<string> _model = Opt.Required("--model", "A Hugging Face Qwen2.5-VL or Qwen3-VL folder.", "DIR");
    private readonly Option<string> _problems = Opt.Required("--problems", "The problems to answer (JSONL or Parquet).", "FILE");
    private readonly Option<string> _predictions = Opt.Required("--predictions", "Where the answers go (JSONL).", "OUT.jsonl");
    private readonly Option<string?> _tokenizer = Opt.Text("--tokenizer", "The folder the tokenizer is read from [default: --model].", "DIR");
    private readonly Option<bool> _direct = Opt.Switch("--direct", "Ask for a short answer (as the pipeline asks its base model); otherwise the bare question is asked and the answer tag is judged.");
    private readonly Option<int?> _limit = Opt.OptionalInt("--limit", "Answer at most N problems. [default: all]", "N");
    private readonly Option<int> _batch = Opt.Int("--batch", 64, "Prompts generated together.", "N");
    private readonly Option<int> _concurrent = Opt.Int("--concurrent", 1, "Batches run side by side, each on its own thread with a share of the threads (batch b samples with seed + b either way).", "N");
    private readonly Option<int?> _maxNewTokens = Opt.OptionalInt("--max-new-tokens", "Completion token limit [default: 16 with --direct, else 256].", "N");
    private readonly Option<int> _seed = Opt.Int("--seed", 0, "Seed of the sampling.", "N");
    private readonly Option<double?> _temperature = Opt.OptionalNumber("--temperature", "Sampling temperature; 0 decodes greedily [default: 0.6].", "X");
    private readonly Option<string> _device = CommonOptions.Device();
    private readonly Option<bool> _strict = CommonOptions.Strict();
    private readonly PrecisionOption _precision = new("fp32");

    /// <inheritdoc />
    public string Name => "evaluate-local";

    /// <inheritdoc />
    public string Summary => "Evaluate a local model folder on a problem file in generation batches (temperature 0.6 unless --temperature, top-p 0.95).";

    /// <inheritdoc />
    public string Details =>
        "A bad item (unreadable line, image outside the data folder or undecodable, prompt too long for the model) is named " +
        "(file:line or id, and why), counted and left out of the accuracy, which says how many items it is over; --strict stops instead.";

    /// <inheritdoc />
    public async Task<int> RunAsync(ParseResult parse, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var modelDir = parse.GetValue(_model)!;
        var problemsFile = parse.GetValue(_problems)!;
        var predictions = parse.GetValue(_predictions)!;
        var tokenizerDir = parse.GetValue(_tokenizer) ?? modelDir;
        bool direct = parse.GetValue(_direct);
        var precision = _precision.Read(parse);
        int limit = parse.GetValue(_limit) ?? int.MaxValue;
        int batch = parse.GetValue(_batch);
        int concurrent = parse.GetValue(_concurrent);
        int maxNew = parse.GetValue(_maxNewTokens) ?? (direct ? 16 : 256);
        int seed = parse.GetValue(_seed);
        double? temperature = parse.GetValue(_temperature);
        var device = parse.GetValue(_device)!;
        bool strict = parse.GetValue(_strict);
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
        using var model = QwenVLModel.FromPretrained(modelDir, VisionR1Runtime.ParseDevice(device), runtime.Precision.Dtype);
        var images = new ImageLoader(QwenVLFamilies.ImageProcessorOf(modelDir));
        // Each item is checked on its own (images decoded, prompt within the model's positions) so that one bad item is
        // skipped by name instead of failing the batch it would land in.
        var problems = new List<MathProblem>(read.Count);
        foreach (var p in read)
        {
            string? why;
            try
            {
                var prompt = images.Resolve(ProblemTurns.User(p, direct ? SyntheticPrompts.Direct(p) : SyntheticPrompts.Question(p)));
                why = PromptBudget.Check(template.Encode(prompt, addGenerationPrompt: true).Length, maxNew, model.MaxPositionEmbeddings);
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
