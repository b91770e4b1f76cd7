using System.Text.Json.Nodes;
using VisionR1.Grpo.Policies;
using VisionR1.Inputs;

namespace VisionR1.Grpo.Rollout.Engines;

/// <summary>
/// SGLang's native <c>/generate</c>: the prompt as the trainer's chat template renders it (one <c>&lt;|image_pad|&gt;</c> per image,
/// expanded by the server's processor), the images as <c>image_data</c>, every sampling field explicit in <c>sampling_params</c> with a
/// 31-bit <c>sampling_seed</c> (honoured only by a server started with <c>--enable-deterministic-inference</c>), and
/// <c>return_logprob</c>; the answer's <c>meta_info.output_token_logprobs</c> holds [log-prob, token id, text] per token and
/// <c>meta_info.prompt_tokens</c> the prompt's length after the image pads were expanded, which the engine compares with its own.
/// </summary>
internal sealed class SglangDialect : ServerDialect
{
    /// <inheritdoc />
    public override string Name => "sglang";

    /// <inheritdoc />
    public override string SamplePath => "generate";

    /// <inheritdoc />
    public override string AdapterPrefix => "";

    /// <inheritdoc />
    public override JsonObject Body(RenderedPrompt prompt, ChatTemplate template, SamplingSettings settings, long seed, string model, string? adapter)
    {
        if (seed is < 0 or > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(seed), seed, "SGLang seeds must fit in 31 bits.");
        var sampling = new JsonObject { ["max_new_tokens"] = settings.MaxNewTokens, ["sampling_seed"] = seed };
        AddNeutralSampling(sampling, settings);
        var generate = new JsonObject
        {
            ["text"] = template.Render(prompt.Turns, addGenerationPrompt: true),
            ["sampling_params"] = sampling,
            ["return_logprob"] = true,
        };
        if (prompt.ImageUrls.Count > 0) generate["image_data"] = new JsonArray(prompt.ImageUrls.Select(u => (JsonNode)u).ToArray());
        if (adapter is not null) generate["lora_path"] = adapter;
        return generate;
    }

    /// <inheritdoc />
    public override ServerAnswer Read(JsonObject obj, RenderedPrompt prompt)
    {
        if (obj["meta_info"] is not JsonObject meta) throw new BadAnswerException("the response has no meta_info (SGLang's /generate).");
        if (meta["output_token_logprobs"] is not JsonArray entries)
            throw new BadAnswerException("meta_info has no output_token_logprobs: the request's 'return_logprob' was not honoured.");
        var tokens = new long[entries.Count];
        var logProbs = new float[entries.Count];
        for (int i = 0; i < entries.Count; i++)
        {
            if (entries[i] is not JsonArray { Count: >= 2 } entry || entry[1] is not JsonValue idValue || !idValue.TryGetValue<long>(out tokens[i]))
                throw new BadAnswerException($"output_token_logprobs[{i}] is not [logprob, token_id, text].");
            logProbs[i] = LogProb(entry[0], i);
        }
        if (meta["prompt_tokens"] is not JsonValue count || !count.TryGetValue<long>(out var promptTokens))
            throw new BadAnswerException("meta_info has no prompt_tokens, so the prompt the server scored cannot be checked.");
        if (promptTokens != prompt.ExpectedIds.Count)
            throw new BadAnswerException($"the server's prompt has {promptTokens} tokens but the trainer's has {prompt.ExpectedIds.Count}" +
                (prompt.ImageUrls.Count > 0 ? $" (with {prompt.ImageUrls.Count} image(s): the server's image processor resized differently?)" : "") + ".");
        string? finish = meta["finish_reason"] switch
        {
            JsonObject reason => reason["type"] is JsonValue t && t.TryGetValue<string>(out var s) ? s : null,
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            _ => null,
        };
        return new ServerAnswer(tokens, logProbs, finish);
    }
}
