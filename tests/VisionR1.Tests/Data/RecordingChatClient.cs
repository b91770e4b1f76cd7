using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using VisionR1.Data.ColdStart;

namespace VisionR1.Tests.Data;

/// <summary>An in-process IChatClient that records each call's step tag, item tag and messages.</summary>
internal sealed class RecordingChatClient(Func<string, IList<ChatMessage>, string> reply) : IChatClient
{
    public ConcurrentQueue<(string Step, string Id, IList<ChatMessage> Messages)> Calls { get; } = new();
    public ConcurrentQueue<ChatOptions?> Options { get; } = new();

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var list = messages.ToList();
        var step = options?.AdditionalProperties?.GetValueOrDefault(ColdStartTags.StepKey) as string ?? "";
        var id = options?.AdditionalProperties?.GetValueOrDefault(ColdStartTags.ItemIdKey) as string ?? "";
        Calls.Enqueue((step, id, list));
        Options.Enqueue(options);
        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, reply(step, list))) { Usage = new UsageDetails { InputTokenCount = 1, OutputTokenCount = 2 } });
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
