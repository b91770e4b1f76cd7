using VisionR1.Grpo.Loss;
using VisionR1.Grpo.Metrics;
using VisionR1.Grpo.Policies;
using VisionR1.Grpo.Rewards;
using VisionR1.Grpo.Rollout;
using VisionR1.Grpo.Rollout.Engines;
using VisionR1.Grpo.Schedule;
using VisionR1.Grpo.Training;
using VisionR1.Inputs;
using VisionR1.Model;
using VisionR1.Model.Config;
using VisionR1.Model.Lora;
using VisionR1.Runtime;
using VisionR1.Text;
using static TorchSharp.torch;

namespace VisionR1.Tests.Rollout;

/// <summary>
/// GRPO through a remote rollout engine against a real HTTP server on 127.0.0.1 (<see cref="LocalRolloutServer"/>) that serves the
/// library's own tiny model: the same trajectory as in-process sampling, weight sync and its checks, retries without lost or
/// duplicated samples, and clear errors for bad answers.
/// </summary>
public sealed class RemoteRolloutTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-rollout-");

    public RemoteRolloutTests() => VisionR1Runtime.Initialize("cpu", threads: 1);

    public void Dispose() => _dir.Delete(recursive: true);

    private static ChatTemplate Template() => RolloutFixture.Template();

    private static QwenPolicy Policy(bool lora) => RolloutFixture.Policy(lora);

    private static IReadOnlyList<GrpoPrompt> Prompts() =>
        Enumerable.Range(0, 6).Select(i => new GrpoPrompt($"p{i}", $"What is {i} plus {i}?", (2 * i).ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();

    // Micro-batches of one completion: the trainer scores each sequence alone, as the server does, so their log-probs agree exactly.
    private static GrpoOptions Options(int syncEvery = 1) => new()
    {
        Schedule = PtstSchedule.Single(6, 3, 3),
        PromptsPerStep = 2,
        MicroBatchSize = 1,
        LearningRate = 1e-2,
        Loss = new GrpoLossOptions(Beta: 0.05),
        Seed = 3,
        SyncEverySteps = syncEvery,
    };

    private LocalRolloutServer Server(bool lora = false) => new(Policy(lora), Template(), RolloutFixture.ModelName, RolloutFixture.ModelPath) { SglangDeterministic = true };

    private RemoteRolloutEngine Remote(LocalRolloutServer server, RolloutServer kind, WeightSyncMode sync, int maxRetries = 4, TimeSpan? timeout = null) =>
        RolloutFixture.Remote(server, Path.Combine(_dir.FullName, "shared"), kind, sync, maxRetries, timeout);

    private static (List<GrpoStepMetrics> Steps, List<RolloutResult> Rollouts) Train(QwenPolicy policy, IRolloutEngine engine, GrpoOptions options, int steps)
    {
        var recording = new RecordingEngine(engine);
        var sink = new InMemoryMetricsSink();
        using var trainer = new GrpoTrainer(policy, new ChatPromptEncoder(Template()), RolloutFixture.Tokenizer, [new WeightedReward(new ShortTextReward())], Prompts(), options, sink, recording);
        trainer.Train(steps);
        return (sink.GrpoSteps, recording.Results);
    }

    private static RolloutRequest Request(int groupSize = 3) =>
        new(Prompts().Take(2).ToList(), groupSize, new SamplingSettings(6), Seed: 11, new RolloutStep(0, 0, null));

    private static List<long[]> Tokens(RolloutResult result) => RolloutFixture.Tokens(result);

    [Theory]
    [InlineData(RolloutServer.Vllm, WeightSyncMode.Lora)]
    [InlineData(RolloutServer.Sglang, WeightSyncMode.Lora)]
    [InlineData(RolloutServer.Sglang, WeightSyncMode.Disk)]
    public async Task Remote_grpo_follows_the_in_process_loss_trajectory_with_the_same_seeds(RolloutServer kind, WeightSyncMode sync)
    {
        bool lora = sync == WeightSyncMode.Lora;
        List<GrpoStepMetrics> local;
        List<RolloutResult> localRollouts;
        using (var policy = Policy(lora))
        using (var engine = new InProcessRolloutEngine(policy, new ChatPromptEncoder(Template()), RolloutSeeding.PerCompletion))
            (local, localRollouts) = Train(policy, engine, Options(), 3);

        List<GrpoStepMetrics> remote;
        List<RolloutResult> remoteRollouts;
        await using (var server = Server())
        using (var policy = Policy(lora))
        using (var engine = Remote(server, kind, sync))
        {
            (remote, remoteRollouts) = Train(policy, engine, Options(), 3);
            Assert.Equal(server.Hits.Count, server.Served.Count);
            Assert.All(server.Served.Values, n => Assert.Equal(1, n));
        }

        Assert.Equal(3, remote.Count);
        for (int step = 0; step < 3; step++)
        {
            Assert.Equal(Tokens(localRollouts[step]), Tokens(remoteRollouts[step]));
            // The same tokens give the same loss, KL and gradient norm up to float rounding. The rounding is not bit-stable: this
            // test awaits, so its two halves may run on different pool threads, and a thread first used while TensorWorkers
            // (another test, side by side) had lowered libtorch's thread count can keep the lower count, which changes the order of
            // the sums. A wrong weight version or advantage moves them by far more.
            AssertClose(local[step].Loss, remote[step].Loss);
            AssertClose(local[step].Kl, remote[step].Kl);
            AssertClose(local[step].GradNorm, remote[step].GradNorm);
            Assert.Equal(step, remote[step].RolloutVersion);
            Assert.True(remote[step].WeightSyncSeconds > 0);
            Assert.Equal(1.0, remote[step].ImportanceWeightMean!.Value, 1e-4); // server and trainer compute the same numbers (up to rounding, see above)
            Assert.Null(local[step].ImportanceWeightMean);
        }
        // The run learnt something, so later steps sampled from updated weights on both sides.
        Assert.NotEqual(Tokens(remoteRollouts[0]), Tokens(remoteRollouts[2]));
        Assert.All(remote, m => Assert.True(m.GradNorm > 0));
    }

    private static void AssertClose(double expected, double actual) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-6 + 1e-4 * Math.Abs(expected), $"expected {expected:R}, got {actual:R}");

    [Fact]
    public async Task Lora_sync_serves_each_new_version_and_an_unsynced_or_restarted_server_is_rejected()
    {
        await using var server = Server();
        using var policy = Policy(lora: true);
        using var engine = Remote(server, RolloutServer.Vllm, WeightSyncMode.Lora);
        await Assert.ThrowsAsync<RolloutEngineException>(() => engine.GenerateAsync(Request())); // nothing published yet

        var (steps, _) = Train(policy, engine, Options(syncEvery: 2), 3);
        // k = 2: versions 0 and 2 published; step 2 sampled from version 0 (one update old), so its importance weights move off 1.
        Assert.Equal(new long?[] { 0, 0, 2 }, steps.Select(m => m.RolloutVersion));
        Assert.Equal(0, steps[1].WeightSyncSeconds);
        Assert.NotEqual(1.0, steps[1].ImportanceWeightMean!.Value, 6);
        Assert.Equal(1.0, steps[2].ImportanceWeightMean!.Value, 1e-4);
        Assert.Equal(["vr1-v2"], server.Adapters);
        Assert.Equal(["POST /v1/load_lora_adapter vr1-v0", "POST /v1/load_lora_adapter vr1-v2", "POST /v1/unload_lora_adapter vr1-v0"], server.ControlCalls);

        // A sync publishes exactly the trainer's adapter.
        await engine.SyncWeightsAsync(policy, 3);
        Assert.Equal(["vr1-v3"], server.Adapters);
        var served = server.Policy.Lora!.NamedTensors().ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.All(policy.Lora!.NamedTensors(), kv => Assert.True(kv.Value.equal(served[kv.Key]).all().item<bool>(), $"{kv.Key} differs on the server"));
        Assert.Equal(["vr1-v2", "vr1-v3"], Directory.GetDirectories(Path.Combine(_dir.FullName, "shared")).Select(Path.GetFileName).Order());

        // A server that acknowledges a load without serving it is rejected at the sync.
        server.IgnoreWeightUpdates = true;
        var unsynced = await Assert.ThrowsAsync<RolloutEngineException>(() => engine.SyncWeightsAsync(policy, 4));
        Assert.Contains("does not list adapter 'vr1-v4'", unsynced.Message);

        // A server that lost the served adapter (restarted) is rejected before sampling.
        server.IgnoreWeightUpdates = false;
        await engine.SyncWeightsAsync(policy, 5);
        server.Restart();
        int hits = server.Hits.Count;
        var restarted = await Assert.ThrowsAsync<RolloutEngineException>(() => engine.GenerateAsync(Request()));
        Assert.Contains("does not serve adapter 'vr1-v5'", restarted.Message);
        Assert.Equal(hits, server.Hits.Count); // rejected before any completion request
    }

    [Fact]
    public async Task Disk_sync_reloads_the_full_weights_and_a_server_on_other_weights_is_rejected()
    {
        await using var server = Server();
        using var policy = Policy(lora: false);
        using var engine = Remote(server, RolloutServer.Sglang, WeightSyncMode.Disk);
        Train(policy, engine, Options(), 2);
        Assert.Equal(Path.Combine(_dir.FullName, "shared", "vr1-v1"), server.ModelPath);

        await engine.SyncWeightsAsync(policy, 2);
        var served = server.Policy.Model.state_dict();
        Assert.All(policy.Model.state_dict(), kv => Assert.True(kv.Value.equal(served[kv.Key]).all().item<bool>(), $"{kv.Key} differs on the server"));

        server.Restart();
        var error = await Assert.ThrowsAsync<RolloutEngineException>(() => engine.GenerateAsync(Request()));
        Assert.Contains($"serves the model at '{RolloutFixture.ModelPath}'", error.Message);

        // LoRA sync of a policy without an adapter is refused before anything is sent.
        using var lora = Remote(server, RolloutServer.Sglang, WeightSyncMode.Lora);
        var noAdapter = await Assert.ThrowsAsync<RolloutEngineException>(() => lora.SyncWeightsAsync(policy, 0));
        Assert.Contains("the policy has none", noAdapter.Message);
    }

    [Theory]
    [InlineData(RolloutServer.Vllm)]
    [InlineData(RolloutServer.Sglang)]
    public async Task Dropped_connections_failures_and_deadlines_cost_retries_never_lost_or_duplicated_samples(RolloutServer kind)
    {
        await using var server = Server();
        using var policy = Policy(lora: true);
        using var engine = Remote(server, kind, WeightSyncMode.Lora, timeout: TimeSpan.FromSeconds(3));
        await engine.SyncWeightsAsync(policy, 0);
        var request = Request();

        // Every completion fails once (dropped after generating, HTTP 500, or no answer before the deadline); one fails twice.
        server.Faults = (id, attempt) => (id, attempt) switch
        {
            (_, 1) when id.EndsWith("-k0", StringComparison.Ordinal) => ServerFault.DropAfterGenerating,
            (_, 1) when id.EndsWith("-k1", StringComparison.Ordinal) => ServerFault.Http500,
            (_, 1) => ServerFault.Stall,
            ("vr1-s0-r0-p1-k0", 2) => ServerFault.DropAfterGenerating,
            _ => ServerFault.None,
        };
        var result = await engine.GenerateAsync(request);

        using var local = new InProcessRolloutEngine(policy, new ChatPromptEncoder(Template()), RolloutSeeding.PerCompletion);
        Assert.Equal(Tokens(local.Generate(request)), Tokens(result));
        Assert.Equal(Enumerable.Range(0, 6).Select(i => (i / 3, i % 3)), result.Samples.Select(s => (s.PromptIndex, s.SampleIndex)));
        Assert.Equal(7, result.Retries);
        Assert.Equal(6, server.Served.Count);
        Assert.All(server.Served.Values, n => Assert.Equal(1, n));
        Assert.Equal(3, server.Hits["vr1-s0-r0-p1-k0"]);

        // A request that keeps failing fails the round, named.
        server.Faults = (id, _) => id == "vr1-s0-r0-p1-k2" ? ServerFault.Http500 : ServerFault.None;
        using var impatient = Remote(server, kind, WeightSyncMode.Lora, maxRetries: 1);
        await impatient.SyncWeightsAsync(policy, 1);
        var error = await Assert.ThrowsAsync<RolloutEngineException>(() => impatient.GenerateAsync(request));
        Assert.Equal("vr1-s0-r0-p1-k2", error.RequestId);
        Assert.Contains("failed after 2 attempts", error.Message);
    }

    [Theory]
    [InlineData(RolloutServer.Vllm, ServerFault.MissingLogProbs, "no logprobs.content")]
    [InlineData(RolloutServer.Vllm, ServerFault.TextTokens, "not 'token_id:N'")]
    [InlineData(RolloutServer.Vllm, ServerFault.ShortTokenIds, "token_ids but")]
    [InlineData(RolloutServer.Sglang, ServerFault.MissingLogProbs, "no output_token_logprobs")]
    [InlineData(RolloutServer.Sglang, ServerFault.TextTokens, "is not [logprob, token_id, text]")]
    public async Task Bad_answers_fail_with_an_error_naming_the_request_without_retrying(RolloutServer kind, ServerFault fault, string expected)
    {
        await using var server = Server();
        using var policy = Policy(lora: true);
        using var engine = Remote(server, kind, WeightSyncMode.Lora);
        await engine.SyncWeightsAsync(policy, 0);
        server.Faults = (id, _) => id == "vr1-s0-r0-p1-k1" ? fault : ServerFault.None;
        var error = await Assert.ThrowsAsync<RolloutEngineException>(() => engine.GenerateAsync(Request()));
        Assert.Equal("vr1-s0-r0-p1-k1", error.RequestId);
        Assert.StartsWith($"Rollout request vr1-s0-r0-p1-k1 ({kind.ToString().ToLowerInvariant()} at {server.BaseUrl}): ", error.Message);
        Assert.Contains(expected, error.Message);
        Assert.Equal(1, server.Hits["vr1-s0-r0-p1-k1"]);
    }

    [Fact]
    public void Options_that_no_run_can_use_are_named()
    {
        var options = new RemoteRolloutOptions { BaseUrl = new Uri("http://127.0.0.1:1/"), Model = "m", SharedDirectory = "/tmp/x", Server = RolloutServer.Vllm, WeightSync = WeightSyncMode.Disk };
        Assert.Contains("/update_weights_from_disk", Assert.Throws<ArgumentException>(options.Validate).Message);
        Assert.Throws<ArgumentException>((options with { WeightSync = WeightSyncMode.Lora, BaseUrl = new Uri("ftp://host/") }).Validate);
        Assert.Throws<ArgumentException>((options with { WeightSync = WeightSyncMode.Lora, VersionPrefix = "a b" }).Validate);
        Assert.Throws<ArgumentOutOfRangeException>((options with { WeightSync = WeightSyncMode.Lora, MaxConcurrency = 0 }).Validate);
        Assert.Throws<ArgumentOutOfRangeException>(new GrpoOptions { SyncEverySteps = 0 }.Validate);
        Assert.Throws<ArgumentOutOfRangeException>(new GrpoOptions { ImportanceSamplingCap = 0.5 }.Validate);
    }

    /// <summary>A dense toy reward (shorter text is better), so groups have reward spread.</summary>
    private sealed class ShortTextReward : IRewardFunction
    {
        public string Name => "short_text";

        public IReadOnlyList<RewardOutput> Score(IReadOnlyList<RewardInput> batch, CancellationToken cancellationToken = default) =>
            batch.Select(x => new RewardOutput(-x.Completion.Length / 10.0, new Dictionary<string, double>())).ToList();
    }

    /// <summary>Passes everything to an engine and keeps what it returned.</summary>
    private sealed class RecordingEngine(IRolloutEngine inner) : IRolloutEngine
    {
        public List<RolloutResult> Results { get; } = [];
        public string Name => inner.Name;
        public bool NeedsWeightSync => inner.NeedsWeightSync;
        public long? ServedVersion => inner.ServedVersion;

        public async Task<RolloutResult> GenerateAsync(RolloutRequest request, CancellationToken cancellationToken = default)
        {
            var result = await inner.GenerateAsync(request, cancellationToken).ConfigureAwait(false);
            Results.Add(result);
            return result;
        }

        public Task SyncWeightsAsync(IPolicyModel policy, long version, CancellationToken cancellationToken = default) => inner.SyncWeightsAsync(policy, version, cancellationToken);

        public void Dispose() { }
    }
}
