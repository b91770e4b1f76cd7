using VisionR1.Grpo.Policies;
using VisionR1.Grpo.Rollout;
using VisionR1.Grpo.Rollout.Engines;
using VisionR1.Inputs;
using VisionR1.Model;
using VisionR1.Model.Config;
using VisionR1.Model.Lora;
using VisionR1.Problems;
using VisionR1.Runtime;
using VisionR1.Tests.Inputs;
using VisionR1.Text;
using static TorchSharp.torch;

namespace VisionR1.Tests.Rollout;

/// <summary>
/// The remote engine against a loopback server that behaves as vLLM and SGLang really do where a client could assume otherwise:
/// omitted sampling fields filled from the model's generation config, image prompts rendered per chat-template content format,
/// SGLang seeds ignored unless the server is deterministic (and held in 32 bits), a duplicate in-flight request id refused.
/// </summary>
public sealed class ServerContractTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-contract-");

    public ServerContractTests() => VisionR1Runtime.Initialize("cpu", threads: 1);

    public void Dispose() => _dir.Delete(recursive: true);

    private static ChatTemplate Template() => RolloutFixture.Template();

    private static QwenPolicy Policy(bool lora = true) => RolloutFixture.Policy(lora);

    /// <summary>A server as started by the docs (<c>--generation-config vllm</c>: no model defaults) unless <paramref name="modelDefaults"/>.</summary>
    private static LocalRolloutServer Server(bool modelDefaults = false)
    {
        var server = new LocalRolloutServer(Policy(lora: false), Template(), RolloutFixture.ModelName, RolloutFixture.ModelPath);
        if (!modelDefaults) server.GenerationConfig.Clear();
        return server;
    }

    private RemoteRolloutEngine Remote(LocalRolloutServer server, RolloutServer kind, WeightSyncMode sync = WeightSyncMode.Lora, TimeSpan? timeout = null) =>
        RolloutFixture.Remote(server, Path.Combine(_dir.FullName, "shared"), kind, sync, maxRetries: 3, timeout);

    private static readonly byte[][] Pictures =
    [
        ImageFixtures.Png(56, 56, ImageFixtures.Noise),
        ImageFixtures.Png(84, 56, (x, y) => ImageFixtures.LeftRedRightBlue(x, y, 84)),
    ];

    private static IReadOnlyList<GrpoPrompt> TextPrompts() =>
        Enumerable.Range(0, 2).Select(i => new GrpoPrompt($"p{i}", $"What is {i} plus {i}?", $"{2 * i}")).ToList();

    private static IReadOnlyList<GrpoPrompt> ImagePrompts() =>
        Enumerable.Range(0, 2).Select(i => new GrpoPrompt(new MathProblem($"img{i}", [new ImageRef(null, Pictures[i])], $"How many shapes in picture {i}?", $"{i}"))).ToList();

    private static RolloutRequest Request(IReadOnlyList<GrpoPrompt> prompts, SamplingSettings? settings = null) =>
        new(prompts, 2, settings ?? new SamplingSettings(5), Seed: 11, new RolloutStep(0, 0, null));

    private static List<long[]> Tokens(RolloutResult result) => RolloutFixture.Tokens(result);

    private static List<long[]> Local(QwenPolicy policy, RolloutRequest request)
    {
        using var local = new InProcessRolloutEngine(policy, new ChatPromptEncoder(Template()), RolloutSeeding.PerCompletion);
        return Tokens(local.Generate(request));
    }

    [Theory]
    [InlineData(RolloutServer.Vllm)]
    [InlineData(RolloutServer.Sglang)]
    public async Task Every_sampling_field_is_sent_so_no_generation_config_default_changes_the_behaviour_policy(RolloutServer kind)
    {
        await using var server = Server(modelDefaults: true); // top_k 1, repetition_penalty 1.05, as reported for Qwen2.5-VL-7B-Instruct
        server.SglangDeterministic = true;
        using var policy = Policy();
        using var engine = Remote(server, kind);
        await engine.SyncWeightsAsync(policy, 0);
        var request = Request(TextPrompts());
        var result = await engine.GenerateAsync(request);

        Assert.Equal(4, server.Effective.Count);
        Assert.All(server.Effective.Values, e =>
        {
            Assert.True(e["top_k"] <= 0, $"top_k {e["top_k"]}");
            Assert.Equal(1.0, e["repetition_penalty"]);
            Assert.Equal(0.0, e["presence_penalty"]);
            Assert.Equal(0.0, e["frequency_penalty"]);
            Assert.Equal(0.0, e["min_p"]);
            Assert.Equal(1.0, e["temperature"]);
            Assert.Equal(1.0, e["top_p"]);
        });
        Assert.Empty(server.Deprecated); // max_completion_tokens, not max_tokens
        Assert.Equal(Local(policy, request), Tokens(result));
    }

    [Fact]
    public async Task Sglang_seeds_fit_31_bits_so_a_deterministic_server_repeats_the_trainers_completion()
    {
        await using var server = Server(); // refuses seeds an int32 cannot hold
        server.SglangDeterministic = true;
        using var policy = Policy();
        using var engine = Remote(server, RolloutServer.Sglang);
        await engine.SyncWeightsAsync(policy, 0);
        var request = Request(TextPrompts());
        Assert.Equal(Local(policy, request), Tokens(await engine.GenerateAsync(request)));
        for (int p = 0; p < 2; p++)
            for (int k = 0; k < 2; k++)
                Assert.InRange(request.CompletionSeed(p, k), 0, int.MaxValue);
    }

    [Fact]
    public async Task Vllm_image_prompts_are_checked_against_the_prompt_ids_the_server_reports()
    {
        await using var server = Server(); // "string" content format: placeholder + "\n" + text
        using var policy = Policy();
        using var engine = Remote(server, RolloutServer.Vllm);
        await engine.SyncWeightsAsync(policy, 0);
        var request = Request(ImagePrompts());
        var error = await Assert.ThrowsAsync<RolloutEngineException>(() => engine.GenerateAsync(request));
        Assert.NotNull(error.RequestId);
        Assert.Contains("prompt", error.Message);
        Assert.Contains("--chat-template-content-format openai", error.Message);

        server.VllmContentFormat = ContentFormat.Openai;
        Assert.Equal(Local(policy, request), Tokens(await engine.GenerateAsync(request)));
    }

    [Theory]
    [InlineData(RolloutServer.Vllm)]
    [InlineData(RolloutServer.Sglang)]
    public async Task Image_problems_sample_on_both_dialects(RolloutServer kind)
    {
        await using var server = Server();
        server.VllmContentFormat = ContentFormat.Openai;
        server.SglangDeterministic = true;
        using var policy = Policy();
        using var engine = Remote(server, kind);
        await engine.SyncWeightsAsync(policy, 0);
        var request = Request(ImagePrompts());
        Assert.Equal(Local(policy, request), Tokens(await engine.GenerateAsync(request)));
    }

    [Theory]
    [InlineData(RolloutServer.Vllm, ServerFault.MissingPromptIds, "prompt_token_ids")]
    [InlineData(RolloutServer.Vllm, ServerFault.MissingTokenIds, "token_ids")]
    [InlineData(RolloutServer.Sglang, ServerFault.MissingPromptIds, "prompt_tokens")]
    [InlineData(RolloutServer.Vllm, ServerFault.TokenOutsideVocabulary, "1000000000")]
    [InlineData(RolloutServer.Sglang, ServerFault.TokenOutsideVocabulary, "1000000000")]
    [InlineData(RolloutServer.Vllm, ServerFault.ClampedLogProb, "-9999")]
    public async Task Answers_the_trainer_cannot_use_fail_naming_the_request_and_the_server(RolloutServer kind, ServerFault fault, string expected)
    {
        await using var server = Server();
        server.SglangDeterministic = true;
        using var policy = Policy();
        using var engine = Remote(server, kind);
        await engine.SyncWeightsAsync(policy, 0);
        server.Faults = (id, _) => id == "vr1-s0-r0-p1-k1" ? fault : ServerFault.None;
        var error = await Assert.ThrowsAsync<RolloutEngineException>(() => engine.GenerateAsync(Request(TextPrompts())));
        Assert.Equal("vr1-s0-r0-p1-k1", error.RequestId);
        Assert.Contains(expected, error.Message);
        Assert.Contains(server.BaseUrl.ToString(), error.Message);
        Assert.Equal(1, server.Hits["vr1-s0-r0-p1-k1"]);
    }

    [Theory]
    [InlineData(RolloutServer.Vllm)]
    [InlineData(RolloutServer.Sglang)]
    public async Task A_retry_goes_out_under_a_fresh_request_id_while_the_abandoned_attempt_still_runs(RolloutServer kind)
    {
        await using var server = Server(); // refuses an id already in flight
        server.SglangDeterministic = true;
        using var policy = Policy();
        using var engine = Remote(server, kind, timeout: TimeSpan.FromSeconds(4));
        await engine.SyncWeightsAsync(policy, 0);
        // The first attempt of one request gets no answer before the client's deadline and is still running when the retry comes.
        server.Faults = (id, attempt) => id == "vr1-s0-r0-p0-k1" && attempt == 1 ? ServerFault.Stall : ServerFault.None;
        var request = Request(TextPrompts());
        var result = await engine.GenerateAsync(request);
        Assert.Equal(1, result.Retries);
        Assert.Equal(2, server.Hits["vr1-s0-r0-p0-k1"]);
        Assert.Equal(server.WireIds.Count, server.WireIds.Distinct().Count());
        Assert.Equal(Local(policy, request), Tokens(result));
    }

    [Theory]
    [InlineData(RolloutServer.Vllm, 500)]
    [InlineData(RolloutServer.Vllm, 400)]
    [InlineData(RolloutServer.Sglang, 500)]
    public async Task A_refused_adapter_load_is_not_retried(RolloutServer kind, int status)
    {
        await using var server = Server();
        server.AdapterLoadStatus = status;
        using var policy = Policy();
        using var engine = Remote(server, kind);
        var error = await Assert.ThrowsAsync<RolloutEngineException>(() => engine.SyncWeightsAsync(policy, 0));
        Assert.Contains($"HTTP {status}", error.Message);
        Assert.Single(server.ControlCalls, c => c.Contains("load_lora_adapter vr1-v0", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(false, "GET /model_info")]
    [InlineData(true, "GET /get_model_info")]
    public async Task Sglang_full_weights_are_checked_through_model_info_or_its_deprecated_name(bool legacyOnly, string expected)
    {
        await using var server = Server();
        server.LegacyModelInfoOnly = legacyOnly;
        server.SglangDeterministic = true;
        using var policy = Policy(lora: false);
        using var engine = Remote(server, RolloutServer.Sglang, WeightSyncMode.Disk);
        await engine.SyncWeightsAsync(policy, 0);
        await engine.GenerateAsync(Request(TextPrompts()));
        Assert.Contains(expected, server.ControlCalls);
        Assert.Equal(Path.Combine(_dir.FullName, "shared", "vr1-v0"), server.ModelPath);
    }

    [Theory]
    [InlineData(1.0, 5, "top_k")]
    [InlineData(0.9, 0, "top_p")]
    public async Task Vllm_refuses_truncated_sampling_whose_renormalised_log_probs_the_trainer_does_not_compute(double topP, int topK, string named)
    {
        await using var server = Server();
        using var policy = Policy();
        using var engine = Remote(server, RolloutServer.Vllm);
        await engine.SyncWeightsAsync(policy, 0);
        var error = await Assert.ThrowsAsync<RolloutEngineException>(() => engine.GenerateAsync(Request(TextPrompts(), new SamplingSettings(5, 1.0, topP, topK))));
        Assert.Contains(named, error.Message);
        Assert.Empty(server.Hits);
    }
}
