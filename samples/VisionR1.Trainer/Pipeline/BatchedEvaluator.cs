using VisionR1.IO;
using System.Diagnostics;
using System.Text.Json;
using VisionR1.Answers;
using VisionR1.Data.Benchmarks;
using VisionR1.Data.Filtering;
using VisionR1.Data.Records;
using VisionR1.Problems;
using VisionR1.Grpo.Rewards;
using VisionR1.Inputs;
using ChatTurn = VisionR1.Inputs.ChatTurn;
using VisionR1.Model;
using VisionR1.Model.Generation;
using static TorchSharp.torch;

namespace VisionR1.Trainer.Pipeline;

/// <summary>
/// Evaluates a local model on test problems in generation batches (one prefill per batch, KV cache), sampling as the
/// paper evaluates (temperature 0.6, top-p 0.95). Direct mode asks for a short answer and judges the whole completion;
/// CoT mode asks the bare question and judges the answer tag's content (the whole completion when there is none).
/// Writes one prediction line per item.
/// </summary>
public sealed class BatchedEvaluator(ChatTemplate template, ImageLoader images, IAnswerVerifier verifier)
{
    private static readonly JsonSerializerOptions LineJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly ThinkAnswerFormat _format = new();

    /// <summary>
    /// Runs the evaluation; <paramref name="progress"/> gets the number of items done. <paramref name="temperature"/>
    /// replaces the evaluation temperature (0 = greedy); null keeps <see cref="GenerationOptions.Evaluation"/>'s.
    /// </summary>
    public StageEvaluation Evaluate(Qwen25VLModel model, IReadOnlyList<MathProblem> problems, bool direct, int batchSize, int maxNewTokens, long seed,
        string predictionsPath, Action<int>? progress, CancellationToken cancellationToken, double? temperature = null)
    {
        var clock = Stopwatch.StartNew();
        var options = GenerationOptions.Evaluation with
        {
            MaxNewTokens = maxNewTokens,
            StopTokenIds = [template.Tokenizer.Special.ImEnd],
        };
        if (temperature is { } t) options = options with { Temperature = t };
        int correct = 0, formatted = 0, reflective = 0, clipped = 0;
        long tokens = 0;
        var lines = new List<string>(problems.Count);
        bool training = model.training;
        model.eval();
        try
        {
            for (int start = 0, batchIndex = 0; start < problems.Count; start += batchSize, batchIndex++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                using var _ = no_grad();
                var chunk = problems.Skip(start).Take(batchSize).ToList();
                var encoded = chunk.Select(p => template.Encode(
                    PipelinePrompts.User(images.Load(p), direct ? PipelinePrompts.Direct(p) : PipelinePrompts.Question(p)), addGenerationPrompt: true)).ToList();
                using var batch = MultimodalCollator.Collate(encoded, template.Tokenizer.Special, model.Device);
                var result = new CompletionGenerator(model).Generate(batch, options with { Seed = seed + batchIndex }, 1, cancellationToken);
                for (int i = 0; i < chunk.Count; i++)
                {
                    var c = result.Completions[i];
                    var text = template.Tokenizer.Decode(c.TokenIds, skipSpecial: true);
                    bool isFormatted = _format.IsMatch(text);
                    var answer = direct ? text : _format.AnswerText(text);
                    var context = chunk[i].Choices is { Count: > 0 } choices ? new AnswerContext(choices) : null;
                    var verdict = verifier.Verify(chunk[i].Answer, answer, context);
                    bool isReflective = ReflectiveWordReport.PaperWords.Any(w => text.Contains(w, StringComparison.OrdinalIgnoreCase));
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
                progress?.Invoke(Math.Min(problems.Count, start + chunk.Count));
            }
        }
        finally
        {
            if (training) model.train();
        }
        AtomicFile.WriteAllText(predictionsPath, string.Join('\n', lines) + (lines.Count > 0 ? "\n" : ""));
        int n = problems.Count;
        var estimate = AccuracyEstimate.FromCounts(correct, n);
        return new StageEvaluation(n, correct, estimate.Accuracy, estimate.Lower, estimate.Upper,
            n == 0 ? 0 : (double)formatted / n, n == 0 ? 0 : (double)tokens / n, n == 0 ? 0 : (double)reflective / n,
            n == 0 ? 0 : (double)clipped / n, direct ? "direct" : "cot", clock.Elapsed.TotalSeconds);
    }
}
