using System.Globalization;
using System.Text.Json.Nodes;
using VisionR1.Grpo.Policies;
using VisionR1.Inputs;

namespace VisionR1.Grpo.Rollout.Engines;

/// <summary>
/// vLLM's OpenAI-compatible chat completions with its extra parameters: the conversation as messages (images as <c>image_url</c>
/// parts before the text), every sampling field explicit, <c>max_completion_tokens</c>, <c>return_tokens_as_token_ids</c> (each
/// <c>logprobs.content[i].token</c> reads <c>token_id:N</c>) and <c>return_token_ids</c> (the answer's <c>prompt_token_ids</c> and
/// <c>choices[0].token_ids</c>), which the engine requires and compares with the trainer's own tokenization.
/// </summary>
internal sealed class VllmDialect : ServerDialect
{
    /// <inheritdoc />
    public override string Name => "vllm";

    /// <inheritdoc />
    public override string SamplePath => "v1/chat/completions";

    /// <inheritdoc />
    public override string AdapterPrefix => "v1/";

    /// <summary>
    /// vLLM reports log-probs after top-k/top-p filtering and renormalisation (<c>--logprobs-mode processed_logprobs</c>; the raw mode
    /// ignores the temperature), while the trainer's π_old is softmax(logits / T) over the whole vocabulary: the two agree only without the filters.
    /// </summary>
    public override void CheckSettings(SamplingSettings settings)
    {
        if (settings.TopP < 1.0 || settings.TopK > 0)
            throw new RolloutEngineException($"Sampling with {(settings.TopK > 0 ? $"top_k = {settings.TopK}" : $"top_p = {settings.TopP}")} on vLLM: its processed log-probs are " +
                "renormalised over the kept tokens, but the trainer's π_old is softmax(logits / T) over the whole vocabulary, so the importance weights " +
                "would be biased. Sample with top_p = 1 and top_k = 0 on vLLM, or use SGLang (log-probs before the filter).");
    }

    /// <inheritdoc />
    public override JsonObject Body(RenderedPrompt prompt, ChatTemplate template, SamplingSettings settings, long seed, string model, string? adapter)
    {
        var messages = new JsonArray();
        if (template.Options.DefaultSystemMessage is { } system)
            messages.Add(new JsonObject { ["role"] = "system", ["content"] = system });
        JsonNode content;
        if (prompt.ImageUrls.Count == 0) content = prompt.Prompt.Prompt;
        else
        {
            var parts = new JsonArray();
            foreach (var url in prompt.ImageUrls)
                parts.Add(new JsonObject { ["type"] = "image_url", ["image_url"] = new JsonObject { ["url"] = url } });
            parts.Add(new JsonObject { ["type"] = "text", ["text"] = prompt.Prompt.Prompt });
            content = parts;
        }
        messages.Add(new JsonObject { ["role"] = "user", ["content"] = content });
        var body = new JsonObject
        {
            ["model"] = adapter ?? model,
            ["messages"] = messages,
            ["max_completion_tokens"] = settings.MaxNewTokens,
            ["seed"] = seed,
            ["n"] = 1,
            ["logprobs"] = true,
            ["top_logprobs"] = 0,
            ["return_tokens_as_token_ids"] = true,
            ["return_token_ids"] = true,
            ["chat_template_kwargs"] = new JsonObject { ["add_vision_id"] = template.Options.AddVisionId },
        };
        AddNeutralSampling(body, settings);
        return body;
    }

    /// <inheritdoc />
    public override ServerAnswer Read(JsonObject obj, RenderedPrompt prompt)
    {
        if (obj["choices"] is not JsonArray { Count: > 0 } choices || choices[0] is not JsonObject choice)
            throw new BadAnswerException("the response has no choices.");
        if (choice["logprobs"]?["content"] is not JsonArray content)
            throw new BadAnswerException("the response has no logprobs.content: the server must honour 'logprobs' (vLLM's chat completions).");
        var tokens = new long[content.Count];
        var logProbs = new float[content.Count];
        for (int i = 0; i < content.Count; i++)
        {
            var token = content[i]?["token"] is JsonValue t && t.TryGetValue<string>(out var s) ? s : null;
            if (token is null || !token.StartsWith("token_id:", StringComparison.Ordinal)
                || !long.TryParse(token.AsSpan("token_id:".Length), NumberStyles.None, CultureInfo.InvariantCulture, out tokens[i]))
                throw new BadAnswerException($"token {i} is '{token ?? "(missing)"}', not 'token_id:N': the server must honour 'return_tokens_as_token_ids' (vLLM).");
            logProbs[i] = LogProb(content[i]?["logprob"], i);
        }
        if (choice["token_ids"] is not JsonArray ids)
            throw new BadAnswerException("the answer has no choices[0].token_ids: the server must honour 'return_token_ids' (a vLLM that knows it).");
        if (ids.Count != tokens.Length)
            throw new BadAnswerException($"{ids.Count} token_ids but {tokens.Length} log-probs.");
        for (int i = 0; i < ids.Count; i++)
            if (ids[i] is not JsonValue v || !v.TryGetValue<long>(out var id) || id != tokens[i])
                throw new BadAnswerException($"token_ids[{i}] = {ids[i]?.ToJsonString() ?? "null"} but the log-probs name token {tokens[i]}.");
        if (obj["prompt_token_ids"] is not JsonArray promptIds)
            throw new BadAnswerException("the answer has no prompt_token_ids: the server must honour 'return_token_ids' (a vLLM that knows it), so the prompt can be checked.");
        if (!SameIds(promptIds, prompt.ExpectedIds))
            throw new BadAnswerException($"the server tokenized the prompt into {promptIds.Count} tokens that differ from the trainer's {prompt.ExpectedIds.Count}" +
                (prompt.ImageUrls.Count > 0 ? $" (with {prompt.ImageUrls.Count} image(s))" : "") +
                ": serve the model with the trainer's chat template (system prompt included) and --chat-template-content-format openai, so both score the same sequence.");
        return new ServerAnswer(tokens, logProbs, choice["finish_reason"] is JsonValue f && f.TryGetValue<string>(out var fs) ? fs : null);
    }
}
