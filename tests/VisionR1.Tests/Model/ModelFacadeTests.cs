using System.Net;
using Microsoft.Extensions.AI;
using VisionR1.Data.Chat;
using VisionR1.Inputs;
using VisionR1.Model;
using VisionR1.Model.Config;
using VisionR1.Model.Generation;
using VisionR1.Problems;
using VisionR1.Runtime;
using VisionR1.Text;

namespace VisionR1.Tests.Model;

/// <summary>The processor (tokenizer + template + images), the local model's chat client with streaming, and retry middleware.</summary>
public sealed class ModelFacadeTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-facade-");

    public ModelFacadeTests() => VisionR1Runtime.Initialize("cpu");

    public void Dispose() => _dir.Delete(true);

    [Fact]
    public void Processor_from_a_folder_reads_the_tokenizer_and_the_pixel_limits_and_encodes_referenced_images()
    {
        CompactTokenizerTrainer.TrainDefault().Save(_dir.FullName);
        File.WriteAllText(Path.Combine(_dir.FullName, "preprocessor_config.json"), """{"min_pixels": 3136, "max_pixels": 6272}""");
        var image = Path.Combine(_dir.FullName, "a.png");
        File.WriteAllBytes(image, Inputs.ImageFixtures.Png(112, 112, Inputs.ImageFixtures.Noise));

        var processor = Qwen25VLProcessor.FromPretrained(_dir.FullName, ChatTemplateOptions.NoSystemPrompt);
        Assert.Equal(6272, processor.ImageProcessor.Options.MaxPixels);
        var conversation = ProblemTurns.User(new MathProblem("p", [ImageRef.File(image)], "Describe.", "x"));
        using var batch = processor.Encode([conversation]);
        // 112x112 (12,544 px) exceeds max_pixels 6272, so it is resized to 56x56: 4 merged tokens instead of 16.
        int pads = batch.InputIds[0].data<long>().ToArray().Count(i => i == processor.Tokenizer.Special.ImagePad);
        Assert.Equal(4, pads);
        Assert.Equal("Describe.", processor.Decode(processor.Tokenizer.Encode("Describe.", allowSpecial: false)));
    }

    [Fact]
    public void Processor_names_a_broken_preprocessor_config()
    {
        CompactTokenizerTrainer.TrainDefault().Save(_dir.FullName);
        File.WriteAllText(Path.Combine(_dir.FullName, "preprocessor_config.json"), "{oops");
        var e = Assert.Throws<InvalidDataException>(() => Qwen25VLProcessor.FromPretrained(_dir.FullName));
        Assert.Contains("preprocessor_config.json", e.Message);
    }

    [Fact]
    public async Task Streaming_yields_token_updates_that_add_up_to_the_same_reply_as_one_call()
    {
        using var model = new Qwen25VLModel(Qwen25VLPresets.Tiny);
        model.InitializeWeights(5);
        var processor = new Qwen25VLProcessor(CompactTokenizerTrainer.TrainDefault(), ChatTemplateOptions.NoSystemPrompt);
        using var client = new LocalModelChatClient(model, processor, new GenerationOptions { MaxNewTokens = 10, Temperature = 1.0 });
        var options = new ChatOptions { Seed = 3, MaxOutputTokens = 10 };
        ChatMessage message = new(ChatRole.User, "What is 2 + 2?");

        var whole = await client.GetResponseAsync([message], options);
        var updates = new List<ChatResponseUpdate>();
        await foreach (var u in client.GetStreamingResponseAsync([message], options)) updates.Add(u);

        Assert.Equal(whole.Usage!.OutputTokenCount, updates.Count);
        Assert.Equal(whole.Text, string.Concat(updates.Select(u => u.Text)));
        Assert.NotNull(updates[^1].FinishReason);
        Assert.All(updates[..^1], u => Assert.Null(u.FinishReason));
        var usage = updates[^1].Contents.OfType<UsageContent>().Single().Details;
        Assert.Equal(whole.Usage.InputTokenCount, usage.InputTokenCount);
    }

    [Fact]
    public async Task Retry_middleware_retries_transient_failures_and_not_client_errors()
    {
        var flaky = new FailingClient(failures: 2, HttpStatusCode.ServiceUnavailable);
        using var retrying = new RetryingChatClient(flaky, maxRetries: 3, baseDelay: TimeSpan.FromMilliseconds(1));
        var response = await retrying.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")]);
        Assert.Equal("ok", response.Text);
        Assert.Equal(3, flaky.Calls);

        var rejecting = new FailingClient(failures: 5, HttpStatusCode.BadRequest);
        using var retrying2 = new RetryingChatClient(rejecting, maxRetries: 3, baseDelay: TimeSpan.FromMilliseconds(1));
        await Assert.ThrowsAsync<HttpRequestException>(() => retrying2.GetResponseAsync([new ChatMessage(ChatRole.User, "hi")]));
        Assert.Equal(1, rejecting.Calls);
    }

    private sealed class FailingClient(int failures, HttpStatusCode status) : IChatClient
    {
        public int Calls { get; private set; }

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Calls++;
            if (Calls <= failures) throw new HttpRequestException("failed", null, status);
            return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "ok")));
        }

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose() { }
    }
}
