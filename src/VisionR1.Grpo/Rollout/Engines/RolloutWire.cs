using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using VisionR1.Grpo.Policies;
using VisionR1.Inputs;
using VisionR1.Problems;

namespace VisionR1.Grpo.Rollout.Engines;

/// <summary>
/// The request bodies a <see cref="RemoteRolloutEngine"/> sends and the checks of what comes back, per server
/// (field names as vLLM's and SGLang's documentation give them).
/// </summary>
internal static class RolloutWire
{
    /// <summary>The body of one completion request: vLLM's chat completion or SGLang's native generate.</summary>
    public static JsonObject Body(RolloutServer server, ChatTemplate template, GrpoPrompt prompt, SamplingSettings settings, long seed,
        string model, string? adapter, string requestId)
    {
        var images = new JsonArray();
        foreach (var image in prompt.Problem.Images)
            images.Add(DataUrl(image, requestId));
        if (server == RolloutServer.Vllm)
        {
            // https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html: chat completions with vLLM's extra
            // parameters; with return_tokens_as_token_ids each logprobs.content[i].token reads "token_id:N".
            var messages = new JsonArray();
            if (template.Options.DefaultSystemMessage is { } system)
                messages.Add(new JsonObject { ["role"] = "system", ["content"] = system });
            JsonNode content;
            if (images.Count == 0) content = prompt.Prompt;
            else
            {
                var parts = new JsonArray();
                foreach (var url in images)
                    parts.Add(new JsonObject { ["type"] = "image_url", ["image_url"] = new JsonObject { ["url"] = url!.GetValue<string>() } });
                parts.Add(new JsonObject { ["type"] = "text", ["text"] = prompt.Prompt });
                content = parts;
            }
            messages.Add(new JsonObject { ["role"] = "user", ["content"] = content });
            var body = new JsonObject
            {
                ["model"] = adapter ?? model,
                ["messages"] = messages,
                ["max_tokens"] = settings.MaxNewTokens,
                ["temperature"] = settings.Temperature,
                ["top_p"] = settings.TopP,
                ["seed"] = seed,
                ["n"] = 1,
                ["logprobs"] = true,
                ["top_logprobs"] = 0,
                ["return_tokens_as_token_ids"] = true,
                ["return_token_ids"] = true,
            };
            if (settings.TopK > 0) body["top_k"] = settings.TopK;
            return body;
        }

        // https://docs.sglang.io/basic_usage/native_api.html (/generate) and the sampling parameters page: the prompt as the
        // chat template renders it (one <|image_pad|> per image, expanded by the server's processor), the images as image_data.
        var sampling = new JsonObject
        {
            ["max_new_tokens"] = settings.MaxNewTokens,
            ["temperature"] = settings.Temperature,
            ["top_p"] = settings.TopP,
            ["top_k"] = settings.TopK > 0 ? settings.TopK : -1,
            ["sampling_seed"] = seed,
        };
        var generate = new JsonObject
        {
            ["text"] = template.Render(prompt.Conversation(), addGenerationPrompt: true),
            ["sampling_params"] = sampling,
            ["return_logprob"] = true,
        };
        if (images.Count > 0) generate["image_data"] = images;
        if (adapter is not null) generate["lora_path"] = adapter;
        return generate;
    }

    /// <summary>Reads one completion from a 200 response, or throws <see cref="RolloutEngineException"/> naming the request.</summary>
    public static RolloutSample Parse(RolloutServer server, string json, int promptIndex, int sampleIndex, int maxTokens, string requestId,
        IReadOnlyList<int>? expectedPromptIds)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            throw new RolloutEngineException(requestId, $"the response is not JSON ({e.Message}).", e);
        }
        if (root is not JsonObject obj) throw new RolloutEngineException(requestId, "the response is not a JSON object.");
        var (tokens, logProbs, finish) = server == RolloutServer.Vllm ? ReadVllm(obj, requestId, expectedPromptIds) : ReadSglang(obj, requestId);
        if (tokens.Length == 0) throw new RolloutEngineException(requestId, "the completion has no tokens.");
        if (tokens.Length > maxTokens) throw new RolloutEngineException(requestId, $"the completion has {tokens.Length} tokens, more than the cap of {maxTokens}.");
        bool truncated = finish switch
        {
            "length" => true,
            "stop" => false,
            _ => throw new RolloutEngineException(requestId, $"finish reason '{finish}' (expected 'stop' or 'length')."),
        };
        return new RolloutSample(promptIndex, sampleIndex, tokens, truncated, logProbs);
    }

    private static (long[] Tokens, float[] LogProbs, string? Finish) ReadVllm(JsonObject obj, string requestId, IReadOnlyList<int>? expectedPromptIds)
    {
        if (obj["choices"] is not JsonArray { Count: > 0 } choices || choices[0] is not JsonObject choice)
            throw new RolloutEngineException(requestId, "the response has no choices.");
        if (choice["logprobs"]?["content"] is not JsonArray content)
            throw new RolloutEngineException(requestId, "the response has no logprobs.content: the server must honour 'logprobs' (vLLM's chat completions).");
        var tokens = new long[content.Count];
        var logProbs = new float[content.Count];
        for (int i = 0; i < content.Count; i++)
        {
            var token = content[i]?["token"] is JsonValue t && t.TryGetValue<string>(out var s) ? s : null;
            if (token is null || !token.StartsWith("token_id:", StringComparison.Ordinal)
                || !long.TryParse(token.AsSpan("token_id:".Length), NumberStyles.None, CultureInfo.InvariantCulture, out tokens[i]))
                throw new RolloutEngineException(requestId, $"token {i} is '{token ?? "(missing)"}', not 'token_id:N': the server must honour 'return_tokens_as_token_ids' (vLLM).");
            logProbs[i] = LogProb(content[i]?["logprob"], i, requestId);
        }
        if (choice["token_ids"] is JsonArray ids)
        {
            if (ids.Count != tokens.Length)
                throw new RolloutEngineException(requestId, $"{ids.Count} token_ids but {tokens.Length} log-probs.");
            for (int i = 0; i < ids.Count; i++)
                if (ids[i] is not JsonValue v || !v.TryGetValue<long>(out var id) || id != tokens[i])
                    throw new RolloutEngineException(requestId, $"token_ids[{i}] = {ids[i]?.ToJsonString() ?? "null"} but the log-probs name token {tokens[i]}.");
        }
        if (expectedPromptIds is not null && obj["prompt_token_ids"] is JsonArray promptIds)
        {
            bool same = promptIds.Count == expectedPromptIds.Count;
            for (int i = 0; same && i < promptIds.Count; i++)
                same = promptIds[i] is JsonValue v && v.TryGetValue<long>(out var id) && id == expectedPromptIds[i];
            if (!same)
                throw new RolloutEngineException(requestId, $"the server tokenized the prompt into {promptIds.Count} tokens that differ from the trainer's {expectedPromptIds.Count}: " +
                    "serve the model with the trainer's chat template (system prompt included) so both score the same sequence.");
        }
        return (tokens, logProbs, choice["finish_reason"] is JsonValue f && f.TryGetValue<string>(out var fs) ? fs : null);
    }

    private static (long[] Tokens, float[] LogProbs, string? Finish) ReadSglang(JsonObject obj, string requestId)
    {
        if (obj["meta_info"] is not JsonObject meta) throw new RolloutEngineException(requestId, "the response has no meta_info (SGLang's /generate).");
        if (meta["output_token_logprobs"] is not JsonArray entries)
            throw new RolloutEngineException(requestId, "meta_info has no output_token_logprobs: the request's 'return_logprob' was not honoured.");
        var tokens = new long[entries.Count];
        var logProbs = new float[entries.Count];
        for (int i = 0; i < entries.Count; i++)
        {
            if (entries[i] is not JsonArray { Count: >= 2 } entry || entry[1] is not JsonValue idValue || !idValue.TryGetValue<long>(out tokens[i]) || tokens[i] < 0)
                throw new RolloutEngineException(requestId, $"output_token_logprobs[{i}] is not [logprob, token_id, text].");
            logProbs[i] = LogProb(entry[0], i, requestId);
        }
        string? finish = meta["finish_reason"] switch
        {
            JsonObject reason => reason["type"] is JsonValue t && t.TryGetValue<string>(out var s) ? s : null,
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            _ => null,
        };
        return (tokens, logProbs, finish);
    }

    private static float LogProb(JsonNode? node, int index, string requestId)
    {
        if (node is not JsonValue value || !value.TryGetValue<double>(out var lp) || !double.IsFinite(lp) || lp > 1e-3)
            throw new RolloutEngineException(requestId, $"the log-prob of token {index} is {node?.ToJsonString() ?? "missing"}, not a finite number ≤ 0.");
        return (float)lp;
    }

    private static string DataUrl(ImageRef image, string requestId)
    {
        byte[] bytes;
        try
        {
            bytes = image.Bytes ?? File.ReadAllBytes(image.Path!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new RolloutEngineException(requestId, $"image {image} could not be read: {e.Message}", e);
        }
        string mime = bytes switch
        {
            [0xFF, 0xD8, ..] => "image/jpeg",
            [0x47, 0x49, 0x46, ..] => "image/gif",
            [0x42, 0x4D, ..] => "image/bmp",
            [0x52, 0x49, 0x46, 0x46, _, _, _, _, 0x57, 0x45, 0x42, 0x50, ..] => "image/webp",
            _ => "image/png",
        };
        return $"data:{mime};base64,{Convert.ToBase64String(bytes)}";
    }
}
