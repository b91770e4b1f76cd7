using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.AI;
using VisionR1.Answers;
using VisionR1.Data.Chat;
using VisionR1.Data.Readers;
using VisionR1.Data.Records;
using VisionR1.Problems;
using VisionR1.IO;

namespace VisionR1.Data.ColdStart;

/// <summary>
/// Vision-R1's modality-bridging cold-start construction over any <see cref="IChatClient"/> (vLLM, Ollama,
/// DeepSeek or any OpenAI-compatible endpoint through Microsoft.Extensions.AI.OpenAI, or a local teacher):
/// step 1 MLLM(image, question, answer) → Pseudo-CoT; step 2 MLLM(image, question, Pseudo-CoT) → detailed
/// description; step 3 reasoning LLM(description, question, answer, instruction) → CoT, normalised by
/// <see cref="ReasoningReply.TryFormat"/> (a reply without the expected shape is kept raw for the CoT filter to judge,
/// unless <see cref="ColdStartOptions.RetryUnformattedReasoning"/>).
/// <para>
/// Every request carries <c>visionr1.step</c> and <c>visionr1.item_id</c> in <c>ChatOptions.AdditionalProperties</c>.
/// The pipeline makes each call once: retries of transport failures and caching of steps are the caller's middleware,
/// composed around the clients (<see cref="RetryingChatClient"/>, <see cref="DiskCachingChatClient"/>:
/// <c>endpoint.WithRetries(6).WithDiskCache(output + ".steps")</c>; <c>VisionR1.Recipe.DataStages.ColdStartAsync</c> (package VisionR1) composes
/// both). A malformed reply (empty, or an unformatted CoT when <see cref="ColdStartOptions.RetryUnformattedReasoning"/>) is asked
/// again up to <see cref="ColdStartOptions.MaxRetries"/> times, the attempt number in <c>visionr1.attempt</c> so a cache
/// replays the same sequence. A finished sample is appended once to the JSONL output, keyed by its id; a new run skips ids
/// already in the output, and through a disk cache reuses the steps it had. Cancellation stops between writes, never inside one.
/// </para>
/// </summary>
public sealed class ColdStartPipeline
{
    private readonly IChatClient _mllm;
    private readonly IChatClient _reasoner;
    private readonly ColdStartOptions _options;
    private readonly ColdStartPrompts _prompts;

    /// <summary>Creates the pipeline; <paramref name="mllm"/> serves steps 1–2 and <paramref name="reasoner"/> step 3 (they may be the same client).</summary>
    public ColdStartPipeline(IChatClient mllm, IChatClient reasoner, ColdStartOptions? options = null)
    {
        _mllm = mllm ?? throw new ArgumentNullException(nameof(mllm));
        _reasoner = reasoner ?? throw new ArgumentNullException(nameof(reasoner));
        _options = options ?? new ColdStartOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxConcurrency, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(_options.MaxRetries);
        _prompts = _options.Prompts ?? new ColdStartPrompts();
    }

    /// <summary>
    /// Runs the construction over <paramref name="problems"/>, appending finished samples to <paramref name="outputPath"/>
    /// (JSONL of <see cref="ColdStartRecord"/>; images that exist only as bytes are saved next to it under <c>images/</c>).
    /// Progress is reported after each sample. Samples that fail (after the clients' own retries) are listed in the summary
    /// and left for the next run.
    /// </summary>
    public async Task<ColdStartSummary> RunAsync(
        IAsyncEnumerable<MathProblem> problems,
        string outputPath,
        IProgress<ColdStartProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(problems);
        var outputRoot = Path.GetDirectoryName(Path.GetFullPath(outputPath))!;
        // Temporary files a killed run of this job left in its own folder of copied images.
        AtomicFile.RemoveOrphansIn(Path.Combine(outputRoot, ImagePlacement.ImagesFolder));
        var counters = new Counters(_options);
        var failures = new ConcurrentQueue<KeyValuePair<string, string>>();
        var seen = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
        await using var output = await AppendOnlyJsonl.OpenAsync(outputPath, "id", cancellationToken).ConfigureAwait(false);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.MaxConcurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(problems, parallel, async (problem, ct) =>
        {
            if (!seen.TryAdd(problem.Id, 0)) return; // a duplicate id in the input is built once
            if (output.Contains(problem.Id))
            {
                counters.Resumed();
                progress?.Report(counters.Snapshot());
                return;
            }
            try
            {
                var record = await BuildAsync(problem, counters, ct).ConfigureAwait(false);
                var images = record.Images.Select((img, i) => ImagePlacement.RelativePath(outputRoot, img, problem.Id, i)).ToList();
                if (await output.AppendAsync(record.Id, w => WriteRecord(w, record, images), CancellationToken.None).ConfigureAwait(false))
                    counters.Completed();
            }
            catch (Exception e) when (!(e is OperationCanceledException && ct.IsCancellationRequested))
            {
                counters.Failed();
                failures.Enqueue(new(problem.Id, e.Message));
            }
            progress?.Report(counters.Snapshot());
        }).ConfigureAwait(false);
        return new ColdStartSummary(counters.Snapshot(), failures.ToList());
    }

    /// <summary>Builds one sample.</summary>
    private async Task<ColdStartRecord> BuildAsync(MathProblem p, Counters counters, CancellationToken ct)
    {
        // Every image is read and decoded before the first request: a bad one fails the item (named), never a text-only request.
        List<AIContent>? images = null;
        List<AIContent> Images() => images ??= ChatImages.Load(p);

        var pseudo = await StepAsync(counters, p.Id, ColdStartStep.PseudoCot, _mllm, _options.MllmModel, _options.MllmTemperature,
            () => [.. Images(), new TextContent(ColdStartPrompts.Fill(_prompts.PseudoCot, p.Question, p.Answer))], ct).ConfigureAwait(false);
        var description = await StepAsync(counters, p.Id, ColdStartStep.Description, _mllm, _options.MllmModel, _options.MllmTemperature,
            () => [.. Images(), new TextContent(ColdStartPrompts.Fill(_prompts.Description, p.Question, p.Answer, pseudo.Text))], ct).ConfigureAwait(false);
        var reasoning = await StepAsync(counters, p.Id, ColdStartStep.Reasoning, _reasoner, _options.ReasonerModel, _options.ReasonerTemperature,
            () => [new TextContent(ColdStartPrompts.Fill(_prompts.Reasoning, p.Question, p.Answer, pseudo.Text, description.Text, _prompts.Instruction))], ct).ConfigureAwait(false);
        return new ColdStartRecord(p, pseudo.Text, description.Text, reasoning.Text,
            pseudo.InputTokens + description.InputTokens + reasoning.InputTokens,
            pseudo.OutputTokens + description.OutputTokens + reasoning.OutputTokens);
    }

    private async Task<StepResult> StepAsync(Counters counters, string id, ColdStartStep step, IChatClient client, string? model, float? temperature, Func<List<AIContent>> contents, CancellationToken ct)
    {
        var message = new ChatMessage(ChatRole.User, contents());
        for (int attempt = 0; ; attempt++)
        {
            var options = new ChatOptions
            {
                ModelId = model,
                Temperature = temperature,
                MaxOutputTokens = _options.MaxOutputTokens,
                AdditionalProperties = new AdditionalPropertiesDictionary
                {
                    [ColdStartTags.StepKey] = ColdStartTags.Name(step),
                    [ColdStartTags.ItemIdKey] = id,
                },
            };
            // A re-ask differs from the first request, so a response cache replays the same sequence of answers.
            if (attempt > 0) options.AdditionalProperties[ColdStartTags.AttemptKey] = attempt;
            var response = await client.GetResponseAsync([message], options, ct).ConfigureAwait(false);
            long input = response.Usage?.InputTokenCount ?? 0, output = response.Usage?.OutputTokenCount ?? 0;
            bool cached = DiskCachingChatClient.IsCacheHit(response);
            if (!cached) counters.Spent(step, input, output);
            string text;
            string? malformed = null;
            if (step != ColdStartStep.Reasoning) text = response.Text.Trim();
            else if (!ReasoningReply.TryFormat(response, out text) && _options.RetryUnformattedReasoning)
                malformed = $"the reasoning reply is not {ThinkAnswerFormat.Default.LayoutText}";
            if (malformed is null && text.Length == 0) malformed = $"empty {ColdStartTags.Name(step)} reply";
            if (malformed is null)
            {
                if (cached) counters.Reused(); else counters.Called();
                return new StepResult(text, input, output);
            }
            if (attempt >= _options.MaxRetries)
                throw new MalformedReplyException($"{malformed} ({attempt + 1} attempt{(attempt == 0 ? "" : "s")})");
        }
    }

    /// <summary>One step's reply as the record keeps it.</summary>
    private sealed record StepResult(string Text, long InputTokens, long OutputTokens);

    private static void WriteRecord(Utf8JsonWriter w, ColdStartRecord r, IReadOnlyList<string> imagePaths)
    {
        w.WriteStartObject();
        MathProblemJsonl.WriteFields(w, r.Problem, imagePaths);
        w.WriteString("pseudo_cot", r.PseudoCot);
        w.WriteString("description", r.Description);
        w.WriteString("response", r.Response);
        w.WriteNumber("input_tokens", r.InputTokens);
        w.WriteNumber("output_tokens", r.OutputTokens);
        w.WriteEndObject();
    }

    private sealed class Counters(ColdStartOptions options)
    {
        private readonly Lock _gate = new();
        private int _completed, _resumed, _failed, _calls, _reused;
        private long _in, _out;
        private decimal _cost;

        public void Completed() { lock (_gate) _completed++; }
        public void Resumed() { lock (_gate) _resumed++; }
        public void Failed() { lock (_gate) _failed++; }
        public void Called() { lock (_gate) _calls++; }
        public void Reused() { lock (_gate) _reused++; }

        public void Spent(ColdStartStep step, long input, long output)
        {
            var prices = (step == ColdStartStep.Reasoning ? options.ReasonerPrices : options.MllmPrices) ?? new TokenPrices();
            lock (_gate)
            {
                _in += input;
                _out += output;
                _cost += prices.Cost(input, output);
            }
        }

        public ColdStartProgress Snapshot()
        {
            lock (_gate) return new ColdStartProgress(_completed, _resumed, _failed, _calls, _reused, _in, _out, _cost);
        }
    }
}
