using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using VisionR1.Inputs;
using VisionR1.Model.Generation;
using static TorchSharp.torch;

namespace VisionR1.Model;

/// <summary>
/// A local Qwen-VL model (either family) as an <see cref="IChatClient"/>, so the evaluator and the cold-start construction run on
/// it as on an endpoint: chat messages (text, and images as <see cref="DataContent"/> with an image media type) go
/// through the chat template and the image processor, the KV-cache generator samples the reply, and the response
/// carries the decoded text, the finish reason and token usage (prompt tokens in, generated tokens out).
/// <see cref="ChatOptions.Temperature"/>, <see cref="ChatOptions.TopP"/>, <see cref="ChatOptions.TopK"/>,
/// <see cref="ChatOptions.MaxOutputTokens"/> and <see cref="ChatOptions.Seed"/> override <see cref="Defaults"/>.
/// Calls are serialised (one model, one generation at a time). Streaming yields one update per generated token.
/// Compose retries or caching around it as Microsoft.Extensions.AI middleware (<c>ChatClientBuilder</c>), as for an endpoint.
/// </summary>
public sealed class LocalModelChatClient : IChatClient
{
    private readonly QwenVLModel _model;
    private readonly ChatTemplate _template;
    private readonly ImageProcessor _images;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ChatClientMetadata _metadata;

    /// <summary>The client of <paramref name="model"/> with <paramref name="processor"/>'s template and image processor.</summary>
    public LocalModelChatClient(QwenVLModel model, Inputs.Qwen25VLProcessor processor, GenerationOptions? defaults = null, string? modelId = null)
        : this(model, (processor ?? throw new ArgumentNullException(nameof(processor))).Template, processor.ImageProcessor, defaults, modelId)
    {
    }

    /// <summary>Creates the client.</summary>
    /// <param name="model">The model (used in eval mode, without gradients).</param>
    /// <param name="template">The chat template with the model's tokenizer.</param>
    /// <param name="imageProcessor">The image processor (the model family's released settings when null, <see cref="QwenVLFamilies.ImageProcessor"/>).</param>
    /// <param name="defaults">Sampling defaults (Vision-R1's evaluation setting, temperature 0.6 and top-p 0.95, with 1024 new tokens, when null).</param>
    /// <param name="modelId">The id reported in responses (default <c>local-qwen2.5-vl</c> or <c>local-qwen3-vl</c>, after the model's family).</param>
    public LocalModelChatClient(QwenVLModel model, ChatTemplate template, ImageProcessor? imageProcessor = null, GenerationOptions? defaults = null, string? modelId = null)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _template = template ?? throw new ArgumentNullException(nameof(template));
        _images = imageProcessor ?? model.Family.ImageProcessor();
        Defaults = defaults ?? GenerationOptions.Evaluation;
        Defaults.Validate();
        ModelId = modelId ?? "local-" + model.Family.CommandLineName();
        _metadata = new ChatClientMetadata("VisionR1.LocalModel", null, ModelId);
    }

    /// <summary>Sampling settings used where the request's options give none.</summary>
    public GenerationOptions Defaults { get; }

    /// <summary>The id reported in responses.</summary>
    public string ModelId { get; }

    /// <summary>Turns chat messages into template turns; images are processed, other non-text contents are rejected.</summary>
    /// <exception cref="ArgumentException">A message has an unsupported content or role (the message index is named).</exception>
    public IReadOnlyList<ChatTurn> ToTurns(IEnumerable<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var turns = new List<ChatTurn>();
        int index = 0;
        foreach (var message in messages)
        {
            var parts = new List<ChatPart>();
            foreach (var content in message.Contents)
            {
                switch (content)
                {
                    case TextContent text:
                        if (text.Text.Length > 0) parts.Add(new TextPart(text.Text));
                        break;
                    case DataContent data when data.HasTopLevelMediaType("image"):
                        parts.Add(new ImagePart(_images.Process(data.Data.ToArray(), $"message {index} image")));
                        break;
                    case UsageContent:
                        break;
                    default:
                        throw new ArgumentException($"Message {index}: content of type {content.GetType().Name} is not supported by the local model.", nameof(messages));
                }
            }
            string role = message.Role == ChatRole.System ? ChatTurn.SystemRole
                : message.Role == ChatRole.User ? ChatTurn.UserRole
                : message.Role == ChatRole.Assistant ? ChatTurn.AssistantRole
                : throw new ArgumentException($"Message {index}: role '{message.Role}' is not supported by the local model.", nameof(messages));
            turns.Add(new ChatTurn(role, parts));
            index++;
        }
        if (turns.Count == 0) throw new ArgumentException("The conversation is empty.", nameof(messages));
        return turns;
    }

    /// <summary>The generation settings of a request: <see cref="Defaults"/> overridden by <paramref name="options"/>.</summary>
    public GenerationOptions SettingsFor(ChatOptions? options)
    {
        var s = Defaults;
        if (options is null) return s;
        if (options.Temperature is { } t) s = s with { Temperature = t };
        if (options.TopP is { } p) s = s with { TopP = p };
        if (options.TopK is { } k) s = s with { TopK = k };
        if (options.MaxOutputTokens is { } m) s = s with { MaxNewTokens = m };
        if (options.Seed is { } seed) s = s with { Seed = seed };
        s.Validate();
        return s;
    }

    /// <inheritdoc />
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var turns = ToTurns(messages);
        var settings = SettingsFor(options) with { StopTokenIds = [_template.Tokenizer.Special.ImEnd] };
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await Task.Run(() => Generate(turns, settings, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private ChatResponse Generate(IReadOnlyList<ChatTurn> turns, GenerationOptions settings, CancellationToken cancellationToken)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        bool training = _model.training;
        _model.eval();
        try
        {
            var encoded = _template.Encode(turns, addGenerationPrompt: true);
            using var batch = MultimodalCollator.Collate([encoded], _template.Tokenizer.Special, _model.Device);
            var result = new CompletionGenerator(_model).Generate(batch, settings, 1, cancellationToken);
            var completion = result.Completions[0];
            var text = _template.Tokenizer.Decode(completion.TokenIds, skipSpecial: true);
            return new ChatResponse(new ChatMessage(ChatRole.Assistant, text))
            {
                ModelId = ModelId,
                CreatedAt = DateTimeOffset.UtcNow,
                FinishReason = completion.FinishReason == FinishReason.Stop ? ChatFinishReason.Stop : ChatFinishReason.Length,
                Usage = new UsageDetails
                {
                    InputTokenCount = encoded.Length,
                    OutputTokenCount = completion.TokenIds.Count,
                    TotalTokenCount = encoded.Length + completion.TokenIds.Count,
                },
            };
        }
        finally
        {
            if (training) _model.train();
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var turns = ToTurns(messages);
        var settings = SettingsFor(options) with { StopTokenIds = [_template.Tokenizer.Special.ImEnd] };
        string responseId = Guid.NewGuid().ToString("N");
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        bool training = _model.training;
        try
        {
            _model.eval();
            // No dispose scope or no_grad here: both are per thread and the loop resumes on other threads between tokens;
            // the session takes care of both inside each step, and the batch is disposed below.
            var encoded = _template.Encode(turns, addGenerationPrompt: true);
            using var batch = MultimodalCollator.Collate([encoded], _template.Tokenizer.Special, _model.Device);
            var ids = new List<int>();
            string sent = "";
            int generated = 0;
            await foreach (var token in new CompletionGenerator(_model).StreamAsync(batch, settings, cancellationToken).ConfigureAwait(false))
            {
                generated++;
                ids.Add(token.TokenId);
                // Decode the whole completion so far: a multi-byte character split across tokens appears once it is whole.
                var text = _template.Tokenizer.Decode(ids, skipSpecial: true);
                var delta = text.StartsWith(sent, StringComparison.Ordinal) && !text.EndsWith('\uFFFD') ? text[sent.Length..] : "";
                if (delta.Length > 0) sent = text;
                var update = new ChatResponseUpdate(ChatRole.Assistant, delta) { ResponseId = responseId, ModelId = ModelId, CreatedAt = DateTimeOffset.UtcNow };
                if (token.FinishReason is { } finish)
                {
                    update.FinishReason = finish == FinishReason.Stop ? ChatFinishReason.Stop : ChatFinishReason.Length;
                    update.Contents.Add(new UsageContent(new UsageDetails
                    {
                        InputTokenCount = encoded.Length,
                        OutputTokenCount = generated,
                        TotalTokenCount = encoded.Length + generated,
                    }));
                }
                yield return update;
            }
        }
        finally
        {
            if (training) _model.train();
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(ChatClientMetadata)) return _metadata;
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();
}
