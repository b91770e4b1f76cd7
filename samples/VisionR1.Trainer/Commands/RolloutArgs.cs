using VisionR1.Grpo.Rollout.Engines;
using VisionR1.Trainer.Cli;

namespace VisionR1.Trainer.Commands;

/// <summary>
/// `vr1 grpo`'s rollout options: --rollout-engine local|remote, and for remote --rollout-url, --rollout-model, --rollout-server,
/// --weight-sync, --shared-dir, --rollout-concurrency, --rollout-timeout.
/// </summary>
public static class RolloutArgs
{
    /// <summary>The remote engine's options, or null for the local (in-process) engine. Call before <see cref="CliArgs.ThrowOnUnknown"/>.</summary>
    public static RemoteRolloutOptions? Read(CliArgs args, string outDir)
    {
        ArgumentNullException.ThrowIfNull(args);
        var engine = args.Get("rollout-engine") ?? "local";
        var url = args.Get("rollout-url");
        var model = args.Get("rollout-model");
        var server = args.Get("rollout-server");
        var sync = args.Get("weight-sync");
        var shared = args.Get("shared-dir");
        int concurrency = args.GetInt("rollout-concurrency", 32);
        double timeout = args.GetDouble("rollout-timeout", 600);
        switch (engine)
        {
            case "local":
                var remoteOnly = new[] { ("rollout-url", url), ("rollout-model", model), ("rollout-server", server), ("weight-sync", sync), ("shared-dir", shared) }
                    .Where(o => o.Item2 is not null).Select(o => "--" + o.Item1).ToList();
                if (remoteOnly.Count > 0) throw new CliUsageException($"{string.Join(", ", remoteOnly)} need --rollout-engine remote.");
                return null;
            case "remote":
                break;
            default:
                throw new CliUsageException($"--rollout-engine must be local or remote, got '{engine}'.");
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
