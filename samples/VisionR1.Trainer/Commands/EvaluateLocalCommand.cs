using System.Globalization;
using VisionR1.Answers;
using VisionR1.Data.Readers;
using VisionR1.Data.Records;
using VisionR1.Inputs;
using VisionR1.Model;
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
        "                   [--batch 64] [--max-new-tokens 256] [--temperature 0.6] [--seed S] [--device cpu|cuda] [--dtype auto|fp32|bf16]\n" +
        "  --direct asks for a short answer (as the pipeline asks its base model); otherwise the bare question is asked and\n" +
        "  the <answer> tag is judged. --temperature 0 decodes greedily. The tokenizer is read from --tokenizer, else from the model folder.";

    /// <inheritdoc />
    public IReadOnlyList<string> Switches => ["direct", "fp32"];

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
        int maxNew = args.GetInt("max-new-tokens", direct ? 16 : 256);
        int seed = args.GetInt("seed", 0);
        double? temperature = args.Get("temperature") is null ? null : args.GetDouble("temperature", 0.6);
        var device = args.Get("device") ?? "cpu";
        args.ThrowOnUnknown();
        if (batch < 1 || maxNew < 1 || limit < 1) throw new CliUsageException("--batch, --max-new-tokens and --limit must be positive.");
        if (temperature < 0) throw new CliUsageException("--temperature must be 0 (greedy) or positive.");
        if (!Directory.Exists(modelDir)) throw new CliUsageException($"--model: folder '{modelDir}' not found.");
        if (!File.Exists(problemsFile)) throw new CliUsageException($"--problems: file '{problemsFile}' not found.");

        var runtime = VisionR1Runtime.Initialize(device, precision: precision);
        var problems = new List<MathProblem>();
        await foreach (var p in ProblemSource.Open(problemsFile, null, null, cancellationToken).ConfigureAwait(false))
        {
            problems.Add(p);
            if (problems.Count >= limit) break;
        }
        var template = new ChatTemplate(TokenizerLoader.FromFolder(tokenizerDir), ChatTemplateOptions.NoSystemPrompt);
        using var model = Qwen25VLModel.FromPretrained(modelDir, VisionR1Runtime.ParseDevice(device), runtime.Precision.Dtype);
        var evaluator = new BatchedEvaluator(template, new ProblemImages(new ImageProcessor()), new MathVerifier());
        var result = evaluator.Evaluate(model, problems, direct, batch, maxNew, seed, predictions, null, cancellationToken, temperature);
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{result.Items} items: accuracy {result.Accuracy:P1} [{result.CiLower:P1}, {result.CiUpper:P1}], format {result.FormatRate:P1}, mean tokens {result.MeanCompletionTokens:F1}, reflective {result.ReflectiveRate:P1}, clipped {result.ClippedRate:P1}, {result.Seconds:F1} s"));
        return 0;
    }
}
