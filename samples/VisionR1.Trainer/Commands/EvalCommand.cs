using System.Globalization;
using VisionR1.Answers;
using VisionR1.Data.Benchmarks;
using VisionR1.Data.Evaluation;
using VisionR1.Data.Readers;
using VisionR1.Trainer.Cli;

namespace VisionR1.Trainer.Commands;

/// <summary>`vr1 eval`: runs a chat model over a benchmark file (resumable predictions), then scores it.</summary>
public sealed class EvalCommand : ICliCommand, IHasSwitches
{
    /// <inheritdoc />
    public string Name => "eval";

    /// <inheritdoc />
    public string Summary => "Evaluate a chat endpoint on a benchmark (temperature 0.6, top-p 0.95); resumable predictions, then scores with 95% CIs.";

    /// <inheritdoc />
    public string Usage =>
        "vr1 eval --input bench.jsonl|.parquet --predictions preds.jsonl --endpoint URL --model NAME [--api-key-env VAR]\n"
        + "         [--benchmark mathvista|mmmath|verify] [--output scored.jsonl] [--temperature 0.6] [--top-p 0.95] [--max-tokens N]\n"
        + "         [--concurrency 4] [--retries 4] [--timeout-s 600] [--limit N] [--data-root DIR] [--strict]\n"
        + "  verify judges any problem set (RL data, the synthetic test split) with the math verifier.\n"
        + "  Predictions already in --predictions are kept; the last line printed is 'accuracy: <fraction>'. Every response is also\n"
        + "  kept in PREDICTIONS.cache/ (keyed by the request), so a rerun pays for no request twice; delete it to sample afresh.\n"
        + "  A bad item (unreadable line, image outside --data-root or undecodable) is named and skipped (--strict: stop);\n"
        + "  an item whose request fails is named as failed; neither is in the accuracy, and the exit code is 1 when any failed.";

    /// <inheritdoc />
    public IReadOnlyList<string> Switches => ["strict"];

    /// <inheritdoc />
    public async Task<int> RunAsync(CliArgs args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var input = args.Require("input");
        var predictions = args.Require("predictions");
        var endpoint = ChatEndpointArgs.TryCreate(args) ?? throw new CliUsageException("--endpoint and --model are required.");
        var benchmark = (args.Get("benchmark") ?? "mathvista").ToLowerInvariant();
        var output = args.Get("output");
        var options = new EvaluationOptions(
            Temperature: (float)args.GetDouble("temperature", 0.6),
            TopP: (float)args.GetDouble("top-p", 0.95),
            MaxOutputTokens: args.Get("max-tokens") is null ? null : args.GetInt("max-tokens", 0),
            ModelId: endpoint.Model,
            MaxConcurrency: args.GetInt("concurrency", 4),
            MaxRetries: args.GetInt("retries", 4),
            RequestTimeout: TimeSpan.FromSeconds(args.GetDouble("timeout-s", 600)));
        int limit = args.GetInt("limit", int.MaxValue);
        var readOptions = new ReadOptions(args.Get("data-root"), args.Flag("strict"));
        args.ThrowOnUnknown();
        if (benchmark is not ("mathvista" or "mmmath" or "mm-math" or "verify")) throw new CliUsageException($"--benchmark must be mathvista, mmmath or verify, got '{benchmark}'.");
        if (!File.Exists(input)) throw new CliUsageException($"input file '{input}' not found.");
        using var outLock = VisionR1.IO.OutputFolderLock.AcquireForFile(predictions, "vr1 eval");
        if (output is not null) VisionR1.IO.AtomicFile.RemoveOrphans(output); // left by a killed earlier run

        var report = new ReadReport();
        var problems = ProblemSource.Open(input, readOptions, report, cancellationToken).Take(limit);
        var progress = new Progress<int>(n => { if (n % 50 == 0) stderr.WriteLine($"eval: {n} problems done"); });
        // Retries, and a response cache next to the predictions so a rerun pays for no request twice.
        var model = options.Compose(endpoint.Client, Path.GetFullPath(predictions) + ".cache");
        var summary = await new Evaluator(model, options).PredictAsync(problems, predictions, progress, cancellationToken).ConfigureAwait(false);
        foreach (var skipped in report.Skipped) stderr.WriteLine($"eval: skipped {skipped.Location}: {skipped.Reason}");
        foreach (var (id, error) in summary.Failures) stderr.WriteLine($"eval: failed {id}: {VisionR1.Data.Chat.SecretRedactor.Redact(error)}");
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"predicted {summary.Generated}, already done {summary.Resumed}, failed {summary.Failed}, unreadable input {report.Skipped.Count}; tokens in {summary.InputTokens} out {summary.OutputTokens}"));
        var scores = benchmark switch
        {
            "mathvista" => await new MathVistaScorer().ScoreFileAsync(predictions, output, cancellationToken: cancellationToken).ConfigureAwait(false),
            "verify" => await BenchmarkFiles.ScoreWithVerifierAsync(predictions, output, new MathVerifier(), cancellationToken).ConfigureAwait(false),
            _ => await BenchmarkFiles.ScoreMmMathAsync(predictions, output, cancellationToken).ConfigureAwait(false),
        };
        stdout.Write(scores.ToText());
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"accuracy is over {scores.Overall.Total} predicted items; {report.Skipped.Count} skipped as unreadable, {summary.Failed} failed (not predicted)"));
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"accuracy: {scores.Overall.Accuracy:R}"));
        return summary.Failed == 0 ? 0 : 1;
    }
}
