using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.AI;
using VisionR1.Answers;
using VisionR1.Data.Chat;
using VisionR1.Data.ColdStart;
using VisionR1.Data.Readers;
using VisionR1.Data.Records;
using VisionR1.Problems;

namespace VisionR1.Data.Evaluation;

/// <summary>
/// Runs a chat model (an endpoint through Microsoft.Extensions.AI, or a local model behind an <see cref="IChatClient"/>
/// adapter) over benchmark problems and appends one prediction per problem to a JSONL file keyed by id; a new run
/// resumes, skipping ids already predicted. Each line is a MathVista-style item (<c>pid, question, query,
/// question_type, answer_type, choices, precision, unit, answer, metadata</c>) plus <c>response</c>, so any of the
/// scorers (e.g. <c>vr1 score mathvista</c>) reads it directly.
/// <para>
/// Each problem is asked once: retries and response caching are the caller's middleware around the model
/// (<c>endpoint.WithRetries(4).WithDiskCache(predictions + ".cache")</c>, see <see cref="ChatMiddleware"/>); a problem whose call
/// fails is counted, named in the summary and left for the next run.
/// </para>
/// </summary>
public sealed class Evaluator
{
    private readonly IChatClient _model;
    private readonly EvaluationOptions _options;

    /// <summary>Creates the evaluator over <paramref name="model"/>.</summary>
    public Evaluator(IChatClient model, EvaluationOptions? options = null)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _options = options ?? new EvaluationOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxConcurrency, 1);
    }

    /// <summary>The text prompt for a problem: its MathVista <c>query</c> when it has one, else the question followed by lettered choices.</summary>
    public static string Prompt(MathProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return problem.PromptText();
    }

    /// <summary>Generates the missing predictions of <paramref name="problems"/> into <paramref name="predictionsPath"/>; progress reports the count of finished problems.</summary>
    public async Task<PredictionSummary> PredictAsync(IAsyncEnumerable<MathProblem> problems, string predictionsPath, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(problems);
        await using var output = await AppendOnlyJsonl.OpenAsync(predictionsPath, "pid", cancellationToken).ConfigureAwait(false);
        int generated = 0, resumed = 0, failed = 0, done = 0;
        long input = 0, outputTokens = 0;
        var failures = new ConcurrentQueue<KeyValuePair<string, string>>();
        var seen = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.MaxConcurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(problems, parallel, async (p, ct) =>
        {
            if (!seen.TryAdd(p.Id, 0)) return;
            if (output.Contains(p.Id))
            {
                Interlocked.Increment(ref resumed);
            }
            else
            {
                try
                {
                    var contents = ChatImages.Load(p); // decoded and checked: a bad image fails this item, named
                    contents.Add(new TextContent(Prompt(p)));
                    var messages = new List<ChatMessage>();
                    if (_options.SystemPrompt is { } system) messages.Add(new ChatMessage(ChatRole.System, system));
                    messages.Add(new ChatMessage(ChatRole.User, contents));
                    var options = new ChatOptions { Temperature = _options.Temperature, TopP = _options.TopP, MaxOutputTokens = _options.MaxOutputTokens, ModelId = _options.ModelId };
                    var response = await _model.GetResponseAsync(messages, options, ct).ConfigureAwait(false);
                    Interlocked.Add(ref input, response.Usage?.InputTokenCount ?? 0);
                    Interlocked.Add(ref outputTokens, response.Usage?.OutputTokenCount ?? 0);
                    var text = ReasoningText(response);
                    if (await output.AppendAsync(p.Id, w => WritePrediction(w, p, text), CancellationToken.None).ConfigureAwait(false))
                        Interlocked.Increment(ref generated);
                }
                catch (Exception e) when (!(e is OperationCanceledException && ct.IsCancellationRequested))
                {
                    Interlocked.Increment(ref failed);
                    failures.Enqueue(new(p.Id, e.Message));
                }
            }
            progress?.Report(Interlocked.Increment(ref done));
        }).ConfigureAwait(false);
        return new PredictionSummary(generated, resumed, failed, input, outputTokens, failures.ToList());
    }

    /// <summary>The response text, with separately delivered reasoning put back in front as <c>&lt;think&gt;…&lt;/think&gt;</c>.</summary>
    private static string ReasoningText(ChatResponse response)
    {
        var reasoning = string.Concat(response.Messages.SelectMany(m => m.Contents).OfType<TextReasoningContent>().Select(r => r.Text));
        var text = response.Text;
        var layout = ThinkAnswerFormat.Default;
        return reasoning.Length > 0 && !text.Contains(layout.ThinkOpen, StringComparison.Ordinal) ? layout.PrependThinking(reasoning, text) : text;
    }

    private static void WritePrediction(System.Text.Json.Utf8JsonWriter w, MathProblem p, string response)
    {
        w.WriteStartObject();
        w.WriteString("pid", p.Id);
        w.WriteString("question", p.Question);
        w.WriteString("query", Prompt(p));
        w.WriteString("question_type", p.AnswerType == AnswerType.MultipleChoice ? AnswerTypeNames.MultiChoice : AnswerTypeNames.FreeForm);
        w.WriteString("answer_type", p.AnswerType == AnswerType.MultipleChoice ? p.Metadata?.GetValueOrDefault("answer_type") ?? AnswerTypeNames.Text : AnswerTypeNames.Format(p.AnswerType));
        if (p.Choices is { } choices)
        {
            w.WriteStartArray("choices");
            foreach (var c in choices) w.WriteStringValue(c);
            w.WriteEndArray();
        }
        else w.WriteNull("choices");
        if (p.Precision is { } precision) w.WriteNumber("precision", precision); else w.WriteNull("precision");
        if (p.Unit is { } unit) w.WriteString("unit", unit); else w.WriteNull("unit");
        w.WriteString("answer", p.Answer);
        w.WriteStartObject("metadata");
        foreach (var (k, v) in p.Metadata ?? new Dictionary<string, string>())
            if (k is not ("query" or "question_type" or "answer_type")) w.WriteString(k, v);
        w.WriteEndObject();
        w.WriteString("response", response);
        w.WriteEndObject();
    }
}
