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
    public LocalEvaluation Evaluate(QwenVLModel model, IReadOnlyList<MathProblem> problems, LocalEvaluationOptions options, string predictionsPath,
        IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(problems);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        int batchSize = options.BatchSize;
        var clock = Stopwatch.StartNew();
        var generation = GenerationOptions.Evaluation with
        {
            MaxNewTokens = options.MaxNewTokens,
            StopTokenIds = [template.Tokenizer.Special.ImEnd],
        };
        if (options.Temperature is { } t) generation = generation with { Temperature = t };
        var tally = new Tally(template, verifier, _format, options.DirectAnswer);
        bool training = model.training;
        model.eval();
        try
        {
            int batches = (problems.Count + batchSize - 1) / batchSize;
            for (int wave = 0; wave < batches; wave += options.ConcurrentBatches)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int count = Math.Min(options.ConcurrentBatches, batches - wave);
                var generated = GenerateWave(model, problems, options, generation, wave, count, cancellationToken);
                for (int j = 0; j < generated.Length; j++)
                {
                    int start = (wave + j) * batchSize;
                    var chunk = problems.Skip(start).Take(batchSize).ToList();
                    for (int i = 0; i < chunk.Count; i++) tally.Add(chunk[i], generated[j].Completions[i]);
                    progress?.Report(Math.Min(problems.Count, start + chunk.Count));
                }
            }
        }
        finally
        {
            if (training) model.train();
        }
        AtomicFile.WriteAllText(predictionsPath, string.Join('\n', tally.Lines) + (tally.Lines.Count > 0 ? "\n" : ""));
        return tally.Result(problems.Count, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Generates <paramref name="count"/> batches from batch <paramref name="first"/> on, side by side; batch b samples with the
    /// options' seed + b. Prompts are encoded on the calling thread (the tokenizer and image loader are shared); only the tensor
    /// work runs on workers.
    /// </summary>
    private GenerationResult[] GenerateWave(QwenVLModel model, IReadOnlyList<MathProblem> problems, LocalEvaluationOptions options,
        GenerationOptions generation, int first, int count, CancellationToken cancellationToken)
    {
        int batchSize = options.BatchSize;
        var prompt = options.Prompt ?? (p => p.PromptText());
        var encodedBatches = Enumerable.Range(first, count)
            .Select(b => problems.Skip(b * batchSize).Take(batchSize)
                .Select(p => template.Encode(images.Resolve(ProblemTurns.User(p, prompt(p))), addGenerationPrompt: true)).ToList())
            .ToList();
        return TensorWorkers.Run(encodedBatches.Count, j =>
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            using var batch = MultimodalCollator.Collate(encodedBatches[j], template.Tokenizer.Special, model.Device);
            return new CompletionGenerator(model).Generate(batch, generation with { Seed = options.Seed + first + j }, 1, cancellationToken);
        }, options.ConcurrentBatches, cancellationToken);
    }

    /// <summary>The counts of an evaluation and its prediction lines, one completion at a time.</summary>
    private sealed class Tally(ChatTemplate template, IAnswerVerifier verifier, ThinkAnswerFormat format, bool direct)
    {
        private int _correct, _formatted, _reflective, _clipped;
        private long _tokens;

        /// <summary>One JSON line per item judged, in order.</summary>
        public List<string> Lines { get; } = [];

        /// <summary>Judges <paramref name="c"/> as the answer to <paramref name="problem"/> and counts it.</summary>
        public void Add(MathProblem problem, Completion c)
        {
            var text = template.GenerationPrefix + template.Tokenizer.Decode(c.TokenIds, skipSpecial: true);
            bool isFormatted = format.IsMatch(text);
            var answer = direct ? text : format.AnswerText(text);
            var verdict = verifier.Verify(problem.Answer, answer, AccuracyReward.ContextOf(problem));
            if (verdict.Equal) _correct++;
            if (isFormatted) _formatted++;
            if (ReflectiveWords.AnyIn(text)) _reflective++;
            if (c.FinishReason == FinishReason.Length) _clipped++;
            _tokens += c.TokenIds.Count;
            Lines.Add(JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["id"] = problem.Id,
                ["answer"] = problem.Answer,
                ["extracted"] = verdict.Extracted,
                ["correct"] = verdict.Equal,
                ["format"] = isFormatted,
                ["tokens"] = c.TokenIds.Count,
                ["response"] = text,
            }, LineJson));
        }

        /// <summary>The evaluation of <paramref name="n"/> items that took <paramref name="seconds"/>.</summary>
        public LocalEvaluation Result(int n, double seconds)
        {
            var (lower, upper) = WilsonInterval.Of(_correct, n);
            double Share(double count) => n == 0 ? 0 : count / n;
            return new LocalEvaluation
            {
                Items = n, Correct = _correct, Accuracy = Share(_correct), CiLower = lower, CiUpper = upper, FormatRate = Share(_formatted),
                MeanCompletionTokens = Share(_tokens), ReflectiveRate = Share(_reflective), ClippedRate = Share(_clipped),
                Mode = direct ? "direct" : "cot", Seconds = seconds,
            };
        }
    }
}
