using System.Diagnostics;
using System.Text.Json;
using VisionR1.Answers;
using VisionR1.Grpo.Rewards;
using VisionR1.Inputs;
using VisionR1.IO;
using VisionR1.Model;
using VisionR1.Model.Generation;
using VisionR1.Problems;
using VisionR1.Text;
using VisionR1.Runtime;
using static TorchSharp.torch;

namespace VisionR1.Grpo.Evaluation;

/// <summary>Settings of <see cref="LocalEvaluator"/>.</summary>
public sealed record LocalEvaluationOptions
{
    /// <summary>Problems per generation batch (one prefill each, KV cache).</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>
    /// Generation batches run side by side, each on its own thread with a share of libtorch's threads (<see cref="VisionR1.Runtime.TensorWorkers"/>);
    /// 1 (the default) runs them in turn. Batch b samples with seed + b either way.
    /// </summary>
    public int ConcurrentBatches { get; init; } = 1;

    /// <summary>The completion-length cap in tokens.</summary>
    public int MaxNewTokens { get; init; } = 1024;

    /// <summary>Sampling seed (batch b samples with seed + b).</summary>
    public long Seed { get; init; }

    /// <summary>Replaces the evaluation temperature of <see cref="GenerationOptions.Evaluation"/> (0.6, the paper's; 0 = greedy); null keeps it.</summary>
    public double? Temperature { get; init; }

    /// <summary>
    /// Direct mode: the model is asked for a short answer and the whole completion is judged. Otherwise (CoT mode) the
    /// answer tag's content is judged (the whole completion when there is none).
    /// </summary>
    public bool DirectAnswer { get; init; }

    /// <summary>The user text for a problem, after its images; null for <see cref="MathProblem.PromptText"/>.</summary>
    public Func<MathProblem, string>? Prompt { get; init; }

    /// <summary>Throws for settings that cannot run.</summary>
    public void Validate()
    {
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchSize must be at least 1.");
        if (ConcurrentBatches < 1) throw new ArgumentOutOfRangeException(nameof(ConcurrentBatches), ConcurrentBatches, "ConcurrentBatches must be at least 1.");
        if (MaxNewTokens < 1) throw new ArgumentOutOfRangeException(nameof(MaxNewTokens), MaxNewTokens, "MaxNewTokens must be at least 1.");
        if (Temperature is { } t && !(t >= 0 && double.IsFinite(t))) throw new ArgumentOutOfRangeException(nameof(Temperature), t, "Temperature must be >= 0.");
    }
}


/// <summary>
/// Evaluates a local model on problems in generation batches (one prefill per batch, KV cache), sampling as the
/// paper evaluates (temperature 0.6, top-p 0.95), images decoded per batch. Direct mode judges the whole completion;
/// CoT mode judges the answer tag's content (the whole completion when there is none). Writes one prediction line per
/// item (id, answer, extracted, correct, format, tokens, response) atomically.
/// </summary>
/// <param name="template">The chat template (no system prompt for the paper's setting).</param>
/// <param name="images">Loads the problems' images.</param>
/// <param name="verifier">Judges answers (the problem's choices and precision are passed on).</param>
public sealed class LocalEvaluator(ChatTemplate template, ImageLoader images, IAnswerVerifier verifier)
{
    private static readonly JsonSerializerOptions LineJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly ThinkAnswerFormat _format = new();

    /// <summary>Evaluates <paramref name="model"/> on <paramref name="problems"/>; <paramref name="progress"/> gets the number of problems done.</summary>
    public LocalEvaluation Evaluate(Qwen25VLModel model, IReadOnlyList<MathProblem> problems, LocalEvaluationOptions options, string predictionsPath,
        IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(problems);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        bool direct = options.DirectAnswer;
        int batchSize = options.BatchSize;
        long seed = options.Seed;
        var prompt = options.Prompt ?? (p => p.PromptText());
        var clock = Stopwatch.StartNew();
        var generation = GenerationOptions.Evaluation with
        {
            MaxNewTokens = options.MaxNewTokens,
            StopTokenIds = [template.Tokenizer.Special.ImEnd],
        };
        if (options.Temperature is { } t) generation = generation with { Temperature = t };
        int correct = 0, formatted = 0, reflective = 0, clipped = 0;
        long tokens = 0;
        var lines = new List<string>(problems.Count);
        bool training = model.training;
        model.eval();
        try
        {
            int batches = (problems.Count + batchSize - 1) / batchSize;
            for (int wave = 0; wave < batches; wave += options.ConcurrentBatches)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int first = wave;
                // Prompts are encoded here, on the calling thread (the tokenizer and image loader are shared); only the tensor work runs on workers.
                var encodedBatches = Enumerable.Range(first, Math.Min(options.ConcurrentBatches, batches - wave))
                    .Select(b => problems.Skip(b * batchSize).Take(batchSize)
                        .Select(p => template.Encode(images.Resolve(ProblemTurns.User(p, prompt(p))), addGenerationPrompt: true)).ToList())
                    .ToList();
                var generated = TensorWorkers.Run(encodedBatches.Count, j =>
                {
                    using var scope = NewDisposeScope();
                    using var _ = no_grad();
                    using var batch = MultimodalCollator.Collate(encodedBatches[j], template.Tokenizer.Special, model.Device);
                    return new CompletionGenerator(model).Generate(batch, generation with { Seed = seed + first + j }, 1, cancellationToken);
                }, options.ConcurrentBatches, cancellationToken);
                for (int j = 0; j < generated.Length; j++)
                {
                    int start = (first + j) * batchSize;
                    var chunk = problems.Skip(start).Take(batchSize).ToList();
                    var result = generated[j];
                    for (int i = 0; i < chunk.Count; i++)
                    {
                        var c = result.Completions[i];
                        var text = template.Tokenizer.Decode(c.TokenIds, skipSpecial: true);
                        bool isFormatted = _format.IsMatch(text);
                        var answer = direct ? text : _format.AnswerText(text);
                        var verdict = verifier.Verify(chunk[i].Answer, answer, AccuracyReward.ContextOf(chunk[i]));
                        bool isReflective = ReflectiveWords.AnyIn(text);
                        if (verdict.Equal) correct++;
                        if (isFormatted) formatted++;
                        if (isReflective) reflective++;
                        if (c.FinishReason == FinishReason.Length) clipped++;
                        tokens += c.TokenIds.Count;
                        lines.Add(JsonSerializer.Serialize(new Dictionary<string, object?>
                        {
                            ["id"] = chunk[i].Id,
                            ["answer"] = chunk[i].Answer,
                            ["extracted"] = verdict.Extracted,
                            ["correct"] = verdict.Equal,
                            ["format"] = isFormatted,
                            ["tokens"] = c.TokenIds.Count,
                            ["response"] = text,
                        }, LineJson));
                    }
                    progress?.Report(Math.Min(problems.Count, start + chunk.Count));
                }
            }
        }
        finally
        {
            if (training) model.train();
        }
        AtomicFile.WriteAllText(predictionsPath, string.Join('\n', lines) + (lines.Count > 0 ? "\n" : ""));
        int n = problems.Count;
        var (lower, upper) = LocalEvaluation.Wilson95(correct, n);
        return new LocalEvaluation(n, correct, n == 0 ? 0 : (double)correct / n, lower, upper,
            n == 0 ? 0 : (double)formatted / n, n == 0 ? 0 : (double)tokens / n, n == 0 ? 0 : (double)reflective / n,
            n == 0 ? 0 : (double)clipped / n, direct ? "direct" : "cot", clock.Elapsed.TotalSeconds);
    }
}
