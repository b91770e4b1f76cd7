using System.CommandLine;
using System.Globalization;
using VisionR1.Answers;
using VisionR1.Data.Benchmarks;
using VisionR1.Data.Evaluation;
using VisionR1.Data.Readers;
using VisionR1.Trainer.Cli;

namespace VisionR1.Trainer.Commands;

/// <summary>`vr1 eval`: runs a chat model over a benchmark file (resumable predictions), then scores it.</summary>
public sealed class EvalCommand : ICliCommand
{
    private readonly Option<string> _input = Opt.Required("--input", "The benchmark (JSONL or Parquet).", "FILE");
    private readonly Option<string> _predictions = Opt.Required("--predictions", "Where the responses go (JSONL); predictions already in it are kept.", "FILE");
    private readonly Option<string?> _output = Opt.Text("--output", "Where the scored items go (JSONL).", "FILE");
    private readonly Option<double> _temperature = Opt.Number("--temperature", 0.6, "Sampling temperature.", "X");
    private readonly Option<double> _topP = Opt.Number("--top-p", 0.95, "Nucleus sampling threshold.", "X");
    private readonly Option<int?> _maxTokens = Opt.OptionalInt("--max-tokens", "Output token limit per response [default: the server's].", "N");
    private readonly Option<int> _concurrency = Opt.Int("--concurrency", 4, "Requests in flight at once.", "N");
    private readonly Option<int> _retries = Opt.Int("--retries", 4, "Retries of a failed request (lost connection, 429, 5xx, timeout).", "N");
    private readonly Option<double> _timeoutS = Opt.Number("--timeout-s", 600, "A request's deadline in seconds.", "SECONDS");
    private readonly Option<int?> _limit = Opt.OptionalInt("--limit", "Read at most N items. [default: all]", "N");
    private readonly Option<string?> _dataRoot = CommonOptions.DataRoot();
    private readonly Option<bool> _strict = CommonOptions.Strict();
    private readonly Option<string> _benchmark = Opt.Choice("--benchmark", "How answers are judged: MathVista's rules, MM-Math's, or the math verifier on any problem set.", ["mathvista", "mmmath", "mm-math", "verify"]);
    private readonly ChatEndpointArgs _endpoint = new("", "the model under evaluation (required)");

    /// <inheritdoc />
    public string Name => "eval";

    /// <inheritdoc />
    public string Summary => "Evaluate a chat endpoint on a benchmark (temperature 0.6, top-p 0.95); resumable predictions, then scores with 95% CIs.";

    /// <inheritdoc />
    public string Details =>
        "verify judges any problem set (RL data, the synthetic test split) with the math verifier. The last line printed is " +
        "'accuracy: <fraction>'. Every response is also kept in PREDICTIONS.cache/ (keyed by the request), so a rerun pays for no " +
        "request twice; delete it to sample afresh. A bad item (unreadable line, image outside --data-root or undecodable) is named " +
        "and skipped (--strict: stop); an item whose request fails is named as failed; neither is in the accuracy, and the exit code " +
        "is 1 when any failed.";

    /// <inheritdoc />
    public async Task<int> RunAsync(ParseResult parse, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var input = parse.GetValue(_input)!;
        var predictions = parse.GetValue(_predictions)!;
        var endpoint = _endpoint.TryCreate(parse) ?? throw new CliUsageException("--endpoint and --model are required.");
        var benchmark = parse.GetValue(_benchmark)!;
        var output = parse.GetValue(_output);
        var options = new EvaluationOptions(
            Temperature: (float)parse.GetValue(_temperature),
            TopP: (float)parse.GetValue(_topP),
            MaxOutputTokens: parse.GetValue(_maxTokens),
            ModelId: endpoint.Model,
            MaxConcurrency: parse.GetValue(_concurrency),
            MaxRetries: parse.GetValue(_retries),
            RequestTimeout: TimeSpan.FromSeconds(parse.GetValue(_timeoutS)));
        int limit = parse.GetValue(_limit) ?? int.MaxValue;
        var readOptions = new ReadOptions(parse.GetValue(_dataRoot), parse.GetValue(_strict));
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
