using System.Diagnostics;
using System.Runtime.CompilerServices;
using VisionR1.Inputs;

namespace VisionR1.Model.Generation;

/// <summary>
/// Batched autoregressive generation with a KV cache: G completions per prompt, the prompt
/// prefilled once and its cache expanded to its samples, tokens written into a preallocated
/// cache (no per-token copy of the cache). Runs on the model's device and dtype.
/// </summary>
/// <param name="model">The model to sample from.</param>
public sealed class CompletionGenerator(QwenVLModel model)
{
    private readonly QwenVLModel _model = model ?? throw new ArgumentNullException(nameof(model));

    /// <summary>
    /// Generates <paramref name="samplesPerPrompt"/> completions for every prompt of the left-padded
    /// batch. Completions come back prompt-major (prompt i, sample j at i·G + j), each with its tokens,
    /// per-token log-probabilities and finish reason.
    /// </summary>
    /// <exception cref="OperationCanceledException">Cancelled between two tokens.</exception>
    public GenerationResult Generate(MultimodalBatch prompts, GenerationOptions options, int samplesPerPrompt = 1, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(options);
        var clock = Stopwatch.StartNew();
        using var session = new GenerationSession(_model, prompts, options, samplesPerPrompt);
        while (!session.Done)
        {
            cancellationToken.ThrowIfCancellationRequested();
            session.Step();
        }
        var completions = new Completion[session.Rows];
        for (int r = 0; r < session.Rows; r++)
            completions[r] = new Completion(r / session.Samples, r % session.Samples, session.Tokens[r].ToArray(), session.LogProbs[r].ToArray(), session.Finish[r]!.Value);
        return new GenerationResult(completions, session.PromptLength, clock.Elapsed);
    }

    /// <summary>
    /// Streams the completion of a single prompt token by token. Each token is computed on the
    /// consuming thread between yields; the last one carries the finish reason.
    /// </summary>
    /// <exception cref="ArgumentException">The batch holds more than one prompt.</exception>
    public async IAsyncEnumerable<GeneratedToken> StreamAsync(MultimodalBatch prompt, GenerationOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(options);
        if (prompt.BatchSize != 1) throw new ArgumentException($"Streaming takes one prompt; the batch has {prompt.BatchSize}.", nameof(prompt));
        using var session = new GenerationSession(_model, prompt, options, 1);
        while (!session.Done)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var token = session.Step()[0];
            yield return new GeneratedToken(token, session.LogProbs[0][^1], session.Finish[0]);
            await Task.Yield();
        }
    }
}
