using System.Text.Json.Nodes;
using VisionR1.Grpo.Policies;
using VisionR1.Inputs;

namespace VisionR1.Grpo.Rollout.Engines;

/// <summary>A prompt as the trainer encodes it: the conversation with its images loaded, the images as data URLs, and the token ids.</summary>
/// <param name="Prompt">The prompt.</param>
/// <param name="Turns">Its conversation with every image loaded (so the template knows each image's pad count).</param>
/// <param name="ImageUrls">Its images as <c>data:</c> URLs, in order.</param>
/// <param name="ExpectedIds">The prompt's token ids with each image pad expanded, ending with the generation prompt.</param>
internal sealed record RenderedPrompt(GrpoPrompt Prompt, IReadOnlyList<ChatTurn> Turns, IReadOnlyList<string> ImageUrls, IReadOnlyList<int> ExpectedIds);

/// <summary>What a server answered for one completion, before the checks every dialect shares.</summary>
/// <param name="Tokens">The sampled token ids.</param>
/// <param name="LogProbs">The log-prob the server reported for each.</param>
/// <param name="Finish">The finish reason ("stop", "length", …), or null.</param>
internal sealed record ServerAnswer(long[] Tokens, float[] LogProbs, string? Finish);

/// <summary>A server's answer that the trainer cannot use; the sampler names the request and the server around the message.</summary>
internal sealed class BadAnswerException(string message) : Exception(message);

/// <summary>
/// One server's HTTP API for sampling: the request body (every sampling parameter the trainer assumes, sent explicitly so no server
/// default applies), the answer's fields, the prompt check, and the endpoints for adapters.
/// </summary>
internal abstract class ServerDialect
{
    /// <summary>vLLM's clamp for a log-prob of −∞ in its OpenAI answers.</summary>
    private const double ClampedLogProb = -9999.0;

    /// <summary>The dialect of <paramref name="server"/>.</summary>
    public static ServerDialect For(RolloutServer server) => server == RolloutServer.Vllm ? new VllmDialect() : new SglangDialect();

    /// <summary>Lower-case name for messages ("vllm", "sglang").</summary>
    public abstract string Name { get; }

    /// <summary>The sampling endpoint, relative to the server's root.</summary>
    public abstract string SamplePath { get; }

    /// <summary>The prefix of the adapter endpoints (<c>load_lora_adapter</c>, <c>unload_lora_adapter</c>).</summary>
    public abstract string AdapterPrefix { get; }

    /// <summary>Throws for sampling settings whose log-probs this server reports differently from the trainer's π_old.</summary>
    public virtual void CheckSettings(SamplingSettings settings) { }

    /// <summary>The request body for one completion of <paramref name="prompt"/>.</summary>
    public abstract JsonObject Body(RenderedPrompt prompt, ChatTemplate template, SamplingSettings settings, long seed, string model, string? adapter);

    /// <summary>Reads a 200 answer; throws <see cref="BadAnswerException"/> for missing or malformed fields and for a prompt the server tokenized differently.</summary>
    public abstract ServerAnswer Read(JsonObject answer, RenderedPrompt prompt);

    /// <summary>The sampling fields both servers share, at the values the trainer's sampler and π_old assume: nothing filtered, nothing penalised.</summary>
    protected static void AddNeutralSampling(JsonObject into, SamplingSettings settings)
    {
        into["temperature"] = settings.Temperature;
        into["top_p"] = settings.TopP;
        into["top_k"] = settings.TopK > 0 ? settings.TopK : -1; // -1: all tokens (both servers; vLLM also reads 0 so)
        into["min_p"] = 0.0;
        into["repetition_penalty"] = 1.0;
        into["presence_penalty"] = 0.0;
        into["frequency_penalty"] = 0.0;
    }

    /// <summary>A reported log-prob: a finite number ≤ 0 (rounding allowed), and not vLLM's clamp for −∞.</summary>
    protected static float LogProb(JsonNode? node, int index)
    {
        if (node is not JsonValue value || !value.TryGetValue<double>(out var lp) || !double.IsFinite(lp) || lp > 1e-3)
            throw new BadAnswerException($"the log-prob of token {index} is {node?.ToJsonString() ?? "missing"}, not a finite number ≤ 0.");
        if (lp <= ClampedLogProb)
            throw new BadAnswerException($"the log-prob of token {index} is {lp} (the server's clamp for −∞): the server sampled a token its own distribution excludes.");
        return (float)lp;
    }

    /// <summary>Whether <paramref name="ids"/> holds exactly <paramref name="expected"/>.</summary>
    protected static bool SameIds(JsonArray ids, IReadOnlyList<int> expected)
    {
        if (ids.Count != expected.Count) return false;
        for (int i = 0; i < ids.Count; i++)
            if (ids[i] is not JsonValue v || !v.TryGetValue<long>(out var id) || id != expected[i]) return false;
        return true;
    }
}
