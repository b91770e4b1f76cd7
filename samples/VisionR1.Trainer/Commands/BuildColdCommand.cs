using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.AI;
using VisionR1.Data.ColdStart;
using VisionR1.Data.Readers;
using VisionR1.Data.Synthetic;
using VisionR1.Trainer.Cli;

namespace VisionR1.Trainer.Commands;

/// <summary>`vr1 build-cold`: modality-bridging cold-start construction over chat endpoints.</summary>
public sealed class BuildColdCommand : ICliCommand
{
    private readonly Option<string> _input = Opt.Required("--input", "The problems (JSONL or Parquet).", "FILE");
    private readonly Option<string> _output = Opt.Required("--output", "The cold-start records (JSONL); ids already in it are skipped.", "FILE");
    private readonly Option<string?> _teacher = Opt.Text("--teacher", "synthetic: answer all three steps offline from the ground truth of synthetic-world problems (a templated stand-in, not a model).", "synthetic");
    private readonly Option<int> _teacherSeed = Opt.Int("--teacher-seed", 0, "Seed of the synthetic teacher.", "N");
    private readonly Option<string?> _cache = Opt.Text("--cache", "Where every response is kept, keyed by the request, so no step is paid twice.", "DIR");
    private readonly Option<int> _concurrency = Opt.Int("--concurrency", 8, "Requests in flight at once.", "N");
    private readonly Option<int> _retries = Opt.Int("--retries", 6, "Retries of a failed request (lost connection, 429, 5xx, timeout).", "N");
    private readonly Option<double> _timeoutS = Opt.Number("--timeout-s", 600, "A request's deadline in seconds.", "SECONDS");
    private readonly Option<double> _priceIn = Opt.Number("--price-in", 0, "USD per million input tokens of --endpoint (for the cost report).", "USD");
    private readonly Option<double> _priceOut = Opt.Number("--price-out", 0, "USD per million output tokens of --endpoint.", "USD");
    private readonly Option<double> _reasonerPriceIn = Opt.Number("--reasoner-price-in", 0, "USD per million input tokens of --reasoner-endpoint.", "USD");
    private readonly Option<double> _reasonerPriceOut = Opt.Number("--reasoner-price-out", 0, "USD per million output tokens of --reasoner-endpoint.", "USD");
    private readonly Option<int?> _limit = Opt.OptionalInt("--limit", "Read at most N items. [default: all]", "N");
    private readonly Option<string?> _dataRoot = CommonOptions.DataRoot();
    private readonly Option<bool> _strict = CommonOptions.Strict();
    private readonly ChatEndpointArgs _endpoint = new("", "the MLLM of steps 1-2");
    private readonly ChatEndpointArgs _reasoner = new("reasoner-", "the reasoner of step 3 [default: --endpoint]");

    /// <inheritdoc />
    public string Name => "build-cold";

    /// <inheritdoc />
    public string Summary => "Build cold-start CoT data by modality bridging (MLLM pseudo-CoT → description → reasoning LLM); resumable.";

    /// <inheritdoc />
    public string Details =>
        "Steps 1-2 go to --endpoint (an MLLM, e.g. Qwen2.5-VL-72B on vLLM); step 3 to --reasoner-endpoint (e.g. DeepSeek-R1), " +
        "or to --endpoint when none is given. Give either --endpoint and --model, or --teacher synthetic. Finished ids in --output " +
        "are skipped; cached steps are never re-paid.";

    /// <inheritdoc />
    public async Task<int> RunAsync(ParseResult parse, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var input = parse.GetValue(_input)!;
        var output = parse.GetValue(_output)!;
        var teacher = parse.GetValue(_teacher);
        var teacherSeed = parse.GetValue(_teacherSeed);
        var endpoint = _endpoint.TryCreate(parse);
        if (teacher is not null && teacher != "synthetic") throw new CliUsageException($"--teacher must be 'synthetic', got '{teacher}'.");
        if ((teacher is null) == (endpoint is null)) throw new CliUsageException("give either --endpoint and --model, or --teacher synthetic.");
        var reasonerEndpoint = _reasoner.TryCreate(parse);
        var cache = parse.GetValue(_cache);
        var options = new ColdStartOptions(
            MllmModel: endpoint?.Model,
            ReasonerModel: (reasonerEndpoint ?? endpoint)?.Model,
            MaxConcurrency: parse.GetValue(_concurrency),
            MaxRetries: parse.GetValue(_retries),
            RequestTimeout: TimeSpan.FromSeconds(parse.GetValue(_timeoutS)),
            MllmPrices: new TokenPrices((decimal)parse.GetValue(_priceIn), (decimal)parse.GetValue(_priceOut)),
            ReasonerPrices: new TokenPrices((decimal)parse.GetValue(_reasonerPriceIn), (decimal)parse.GetValue(_reasonerPriceOut)));
        int limit = parse.GetValue(_limit) ?? int.MaxValue;
        var readOptions = new ReadOptions(parse.GetValue(_dataRoot), parse.GetValue(_strict));
        if (!File.Exists(input)) throw new CliUsageException($"input file '{input}' not found.");
        if (options.MaxConcurrency < 1) throw new CliUsageException("--concurrency must be at least 1.");
        using var outLock = VisionR1.IO.OutputFolderLock.AcquireForFile(output, "vr1 build-cold");

        var report = new ReadReport();
        var problems = ProblemSource.Open(input, readOptions, report, cancellationToken).Take(limit);
        IChatClient mllm, reasoner;
        // Retries and the response cache are middleware around each client; the cache makes a rerun pay for no step twice.
        var cacheRoot = cache ?? Path.GetFullPath(output) + ".steps";
        if (endpoint is { } e)
        {
            mllm = options.Compose(e.Client, cacheRoot);
            reasoner = reasonerEndpoint is { } r ? options.Compose(r.Client, cacheRoot) : mllm;
        }
        else
        {
            // The synthetic teacher must know every item up front (it answers from their scene facts).
            var all = await problems.ToListAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                mllm = reasoner = options.Compose(new SyntheticTeacherChatClient(all, new SyntheticTeacherOptions { Seed = teacherSeed }), cacheRoot);
            }
            catch (FormatException ex)
            {
                throw new CliUsageException("--teacher synthetic needs synthetic-world problems: " + ex.Message);
            }
            problems = all.ToAsyncEnumerable();
        }
        var progress = new Progress<ColdStartProgress>(p => stderr.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"build-cold: {p.Completed} built, {p.Resumed} already done, {p.Failed} failed, {p.StepsReused} cached steps reused, {p.InputTokens}+{p.OutputTokens} tokens, ${p.Cost:F4}")));
        var summary = await new ColdStartPipeline(mllm, reasoner, options).RunAsync(problems, output, progress, cancellationToken).ConfigureAwait(false);
        var s = summary.Progress;
        foreach (var skipped in report.Skipped) stderr.WriteLine($"build-cold: skipped {skipped.Location}: {skipped.Reason}");
        foreach (var (id, error) in summary.Failures.Take(20)) stderr.WriteLine($"build-cold: failed {id}: {VisionR1.Data.Chat.SecretRedactor.Redact(error)}");
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"built {s.Completed}, already done {s.Resumed}, failed {s.Failed}, unreadable input {report.Skipped.Count}; calls {s.CallsMade}, cached steps reused {s.StepsReused}; tokens in {s.InputTokens} out {s.OutputTokens}; cost ${s.Cost:F4}"));
        return s.Failed == 0 ? 0 : 1;
    }
}
