using System.ClientModel;
using Microsoft.Extensions.AI;
using OpenAI;

namespace VisionR1.Trainer.Pipeline;

/// <summary>Teacher clients of the pipeline's cold start.</summary>
public static class TeacherClients
{
    /// <summary>
    /// An OpenAI-compatible endpoint (vLLM, SGLang, Ollama, DeepSeek) through Microsoft.Extensions.AI.OpenAI; the key is
    /// read from OPENAI_API_KEY when set. The client's own retries are off (the cold start retries through Polly).
    /// </summary>
    /// <exception cref="ArgumentException">The endpoint is not an http(s) URL.</exception>
    public static IChatClient OpenAiCompatible(string endpoint, string model)
    {
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new ArgumentException($"The teacher endpoint must be an http(s) URL, got '{endpoint}'.", nameof(endpoint));
        var key = Environment.GetEnvironmentVariable("OPENAI_API_KEY");
        var client = new OpenAI.Chat.ChatClient(model, new ApiKeyCredential(string.IsNullOrEmpty(key) ? "unused" : key), new OpenAIClientOptions
        {
            Endpoint = uri,
            RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = TimeSpan.FromMinutes(30),
        });
        return client.AsIChatClient();
    }
}
