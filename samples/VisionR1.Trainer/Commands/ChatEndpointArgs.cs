using System.ClientModel;
using System.CommandLine;
using Microsoft.Extensions.AI;
using OpenAI;
using VisionR1.Trainer.Cli;

namespace VisionR1.Trainer.Commands;

/// <summary>
/// Builds an <see cref="IChatClient"/> for an OpenAI-compatible endpoint (vLLM, SGLang, Ollama, DeepSeek, OpenAI) from
/// `--PREFIXendpoint URL`, `--PREFIXmodel NAME` and `--PREFIXapi-key-env VAR` (default OPENAI_API_KEY; the key is never printed).
/// The client's own retries are turned off: the data jobs retry through their Polly pipeline.
/// </summary>
internal sealed class ChatEndpointArgs(string prefix = "", string what = "the OpenAI-compatible endpoint") : ICliOptionGroup
{
    private readonly Option<string?> _endpoint = Opt.Text($"--{prefix}endpoint", $"The root URL of {what} (vLLM, SGLang, Ollama, DeepSeek, OpenAI).", "URL");
    private readonly Option<string?> _model = Opt.Text($"--{prefix}model", "The model's name as the endpoint serves it (required with the endpoint).", "NAME");
    private readonly Option<string> _keyVariable = Opt.Text($"--{prefix}api-key-env", "OPENAI_API_KEY", "The environment variable holding the API key (never printed).", "VAR");

    /// <inheritdoc />
    public IEnumerable<Symbol> Symbols => [_endpoint, _model, _keyVariable];

    /// <summary>The client and model name, or null when no endpoint is given.</summary>
    public (IChatClient Client, string Model)? TryCreate(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var endpoint = parse.GetValue(_endpoint);
        var model = parse.GetValue(_model);
        var keyVar = parse.GetValue(_keyVariable)!;
        if (endpoint is null) return null;
        if (model is null) throw new CliUsageException($"--{prefix}model is required with --{prefix}endpoint.");
        try
        {
            return (Create(endpoint, model, keyVar), model);
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException($"--{prefix}endpoint: {e.Message}");
        }
    }

    /// <summary>
    /// A client for the OpenAI-compatible <paramref name="endpoint"/>; the key is read from the environment variable
    /// <paramref name="keyVariable"/> when set. The client's own retries are off.
    /// </summary>
    /// <exception cref="ArgumentException">The endpoint is not an http(s) URL.</exception>
    public static IChatClient Create(string endpoint, string model, string keyVariable = "OPENAI_API_KEY")
    {
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new ArgumentException($"The endpoint must be an http(s) URL, got '{endpoint}'.");
        var key = Environment.GetEnvironmentVariable(keyVariable);
        VisionR1.Data.Chat.SecretRedactor.AddSecret(key); // never printed, even when a server echoes it
        var client = new OpenAI.Chat.ChatClient(model, new ApiKeyCredential(string.IsNullOrEmpty(key) ? "unused" : key), new OpenAIClientOptions
        {
            Endpoint = uri,
            RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(maxRetries: 0),
            NetworkTimeout = TimeSpan.FromMinutes(30),
        });
        return client.AsIChatClient();
    }
}
