using System.CommandLine;
using VisionR1.Grpo.Rollout.Engines;
using VisionR1.Trainer.Cli;

namespace VisionR1.Trainer.Commands;

/// <summary>
/// `vr1 grpo`'s rollout options: --rollout-engine local|remote, and for remote --rollout-url, --rollout-model, --rollout-server,
/// --weight-sync, --shared-dir, --rollout-concurrency, --rollout-timeout.
/// </summary>
public sealed class RolloutArgs : ICliOptionGroup
{
    private readonly Option<string> _engine = Opt.Choice("--rollout-engine",
        "local: completions from the trained model in this process. remote: from a vLLM or SGLang server at --rollout-url serving the base model " +
        "as --rollout-model; the trainer publishes its weights into --shared-dir before the first step and every --sync-every steps (k > 1 samples " +
        "from weights up to k-1 updates old: off-policy), as a LoRA adapter (needs --lora-r; vLLM: --enable-lora with " +
        "VLLM_ALLOW_RUNTIME_LORA_UPDATING=True) or, with --weight-sync disk, as a full checkpoint SGLang reloads.", ["local", "remote"]);
    private readonly Option<string?> _url = Opt.Text("--rollout-url", "The rollout server's root, e.g. http://gpu-node:8000 (remote engine).", "URL");
    private readonly Option<string?> _model = Opt.Text("--rollout-model", "The base model's name as the server serves it (remote engine).", "NAME");
    private readonly Option<string?> _server = Opt.Text("--rollout-server", "The server's kind [default: vllm] (remote engine).", "vllm|sglang");
    private readonly Option<string?> _sync = Opt.Text("--weight-sync", "How weights reach the server [default: lora] (remote engine).", "lora|disk");
    private readonly Option<string?> _shared = Opt.Text("--shared-dir", "Where the weights are published; the server must read the same path [default: OUT/published] (remote engine).", "DIR");
    private readonly Option<int> _concurrency = Opt.Int("--rollout-concurrency", 32, "Requests in flight at once, each retried on a lost connection, 5xx or a timeout.");
    private readonly Option<double> _timeout = Opt.Number("--rollout-timeout", 600, "A request's deadline in seconds.", "SECONDS");

    /// <inheritdoc />
    public IEnumerable<Symbol> Symbols => [_engine, _url, _model, _server, _sync, _shared, _concurrency, _timeout];

    /// <summary>The remote engine's options, or null for the local (in-process) engine.</summary>
    public RemoteRolloutOptions? Read(ParseResult parse, string outDir)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var engine = parse.GetValue(_engine);
        var url = parse.GetValue(_url);
        var model = parse.GetValue(_model);
        var server = parse.GetValue(_server);
        var sync = parse.GetValue(_sync);
        var shared = parse.GetValue(_shared);
        int concurrency = parse.GetValue(_concurrency);
        double timeout = parse.GetValue(_timeout);
        if (engine == "local")
        {
            var remoteOnly = new[] { ("rollout-url", url), ("rollout-model", model), ("rollout-server", server), ("weight-sync", sync), ("shared-dir", shared) }
                .Where(o => o.Item2 is not null).Select(o => "--" + o.Item1).ToList();
            if (remoteOnly.Count > 0) throw new CliUsageException($"{string.Join(", ", remoteOnly)} need --rollout-engine remote.");
            return null;
        }
        if (url is null) throw new CliUsageException("--rollout-engine remote needs --rollout-url (the server's root, e.g. http://gpu-node:8000).");
        if (model is null) throw new CliUsageException("--rollout-engine remote needs --rollout-model (the base model's name as the server serves it).");
        if (!Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var uri))
            throw new CliUsageException($"--rollout-url must be an absolute URL, got '{url}'.");
        var options = new RemoteRolloutOptions
        {
            BaseUrl = uri,
            Model = model,
            Server = server switch
            {
                null or "vllm" => RolloutServer.Vllm,
                "sglang" => RolloutServer.Sglang,
                _ => throw new CliUsageException($"--rollout-server must be vllm or sglang, got '{server}'."),
            },
            WeightSync = sync switch
            {
                null or "lora" => WeightSyncMode.Lora,
                "disk" => WeightSyncMode.Disk,
                _ => throw new CliUsageException($"--weight-sync must be lora or disk, got '{sync}'."),
            },
            SharedDirectory = Path.GetFullPath(shared ?? Path.Combine(outDir, "published")),
            MaxConcurrency = concurrency,
            RequestTimeout = timeout > 0 && double.IsFinite(timeout) ? TimeSpan.FromSeconds(timeout) : throw new CliUsageException($"--rollout-timeout must be a positive number of seconds, got {timeout}."),
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException($"--rollout-*: {e.Message}");
        }
        return options;
    }
}
