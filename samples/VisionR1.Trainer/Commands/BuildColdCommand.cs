using System.Globalization;
using Microsoft.Extensions.AI;
using VisionR1.Data.ColdStart;
using VisionR1.Data.Readers;
using VisionR1.Data.Synthetic;
using VisionR1.Trainer.Cli;

namespace VisionR1.Trainer.Commands;

/// <summary>`vr1 build-cold`: modality-bridging cold-start construction over chat endpoints.</summary>
public sealed class BuildColdCommand : ICliCommand, IHasSwitches
{
    /// <inheritdoc />
    public string Name => "build-cold";

    /// <inheritdoc />
    public string Summary => "Build cold-start CoT data by modality bridging (MLLM pseudo-CoT → description → reasoning LLM); resumable.";

    /// <inheritdoc />
    public string Usage =>
        "vr1 build-cold --input problems.jsonl|.parquet --output cold.jsonl (--endpoint URL --model NAME [--api-key-env VAR] | --teacher synthetic [--teacher-seed N])\n"
        + "               [--reasoner-endpoint URL --reasoner-model NAME [--reasoner-api-key-env VAR]] [--cache DIR]\n"
        + "               [--concurrency 8] [--retries 6] [--timeout-s 600] [--limit N] [--data-root DIR] [--strict]\n"
        + "               [--price-in USD_PER_M --price-out USD_PER_M --reasoner-price-in .. --reasoner-price-out ..]\n"
        + "  Steps 1-2 go to --endpoint (an MLLM, e.g. Qwen2.5-VL-72B on vLLM); step 3 to --reasoner-endpoint (e.g. DeepSeek-R1),\n"
        + "  or to --endpoint when none is given. --teacher synthetic answers all three steps offline from the ground truth of\n"
        + "  synthetic-world problems (a templated stand-in, not a model). Finished ids in --output are skipped; cached steps are never re-paid.";

    /// <inheritdoc />
    public IReadOnlyList<string> Switches => ["strict"];

    /// <inheritdoc />
    public async Task<int> RunAsync(CliArgs args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var input = args.Require("input");
        var output = args.Require("output");
        var teacher = args.Get("teacher");
        var teacherSeed = args.GetInt("teacher-seed", 0);
        var endpoint = ChatEndpointArgs.TryCreate(args);
        if (teacher is not null && teacher != "synthetic") throw new CliUsageException($"--teacher must be 'synthetic', got '{teacher}'.");
        if ((teacher is null) == (endpoint is null)) throw new CliUsageException("give either --endpoint and --model, or --teacher synthetic.");
        var reasonerEndpoint = ChatEndpointArgs.TryCreate(args, "reasoner-");
        var cache = args.Get("cache");
        var options = new ColdStartOptions(
            MllmModel: endpoint?.Model,
            ReasonerModel: (reasonerEndpoint ?? endpoint)?.Model,
            MaxConcurrency: args.GetInt("concurrency", 8),
            MaxRetries: args.GetInt("retries", 6),
            RequestTimeout: TimeSpan.FromSeconds(args.GetDouble("timeout-s", 600)),
            MllmPrices: new TokenPrices((decimal)args.GetDouble("price-in", 0), (decimal)args.GetDouble("price-out", 0)),
            ReasonerPrices: new TokenPrices((decimal)args.GetDouble("reasoner-price-in", 0), (decimal)args.GetDouble("reasoner-price-out", 0)));
        int limit = args.GetInt("limit", int.MaxValue);
        var readOptions = new ReadOptions(args.Get("data-root"), args.Flag("strict"));
        args.ThrowOnUnknown();
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
