using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.AI;
using Polly;
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
/// Calls run through a Polly pipeline (exponential backoff with jitter on 429/5xx, timeouts, network errors and
/// malformed replies, and a per-attempt timeout). Each step's result is cached on disk per sample before the next
/// step starts; a finished sample is appended once to the JSONL output, keyed by its id; a new run skips ids
/// already in the output and reuses cached steps. Cancellation stops between writes, never inside one.
/// </para>
/// </summary>
public sealed class ColdStartPipeline
{
    private readonly IChatClient _mllm;
    private readonly IChatClient _reasoner;
    private readonly ColdStartOptions _options;
    private readonly ColdStartPrompts _prompts;
    private readonly ResiliencePipeline _resilience;

    /// <summary>Creates the pipeline; <paramref name="mllm"/> serves steps 1–2 and <paramref name="reasoner"/> step 3 (they may be the same client).</summary>
    public ColdStartPipeline(IChatClient mllm, IChatClient reasoner, ColdStartOptions? options = null)
    {
        _mllm = mllm ?? throw new ArgumentNullException(nameof(mllm));
        _reasoner = reasoner ?? throw new ArgumentNullException(nameof(reasoner));
        _options = options ?? new ColdStartOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxConcurrency, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(_options.MaxRetries);
        _prompts = _options.Prompts ?? new ColdStartPrompts();
        _resilience = ChatResilience.Build(_options.MaxRetries, _options.EffectiveRetryBaseDelay, _options.EffectiveRequestTimeout);
    }

    /// <summary>
    /// Runs the construction over <paramref name="problems"/>, appending finished samples to <paramref name="outputPath"/>
    /// (JSONL of <see cref="ColdStartRecord"/>; images that exist only as bytes are saved next to it under <c>images/</c>).
    /// Step results are cached under <paramref name="cacheDirectory"/> (default: <c>OUTPUT.steps/</c>). Progress is reported
    /// after each sample. Samples that fail after all retries are listed in the summary and left for the next run.
    /// </summary>
    public async Task<ColdStartSummary> RunAsync(
        IAsyncEnumerable<MathProblem> problems,
        string outputPath,
        string? cacheDirectory = null,
        IProgress<ColdStartProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(problems);
        var cache = new StepCache(cacheDirectory ?? Path.GetFullPath(outputPath) + ".steps");
        var outputRoot = Path.GetDirectoryName(Path.GetFullPath(outputPath))!;
        // Temporary files a killed run of this job left in its own folders (the step cache, the copied images).
        AtomicFile.RemoveOrphansIn(cache.Directory);
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
                var record = await BuildAsync(problem, cache, counters, ct).ConfigureAwait(false);
                var images = record.Images.Select((img, i) => ImagePlacement.RelativePath(outputRoot, img, problem.Id, i)).ToList();
                if (await output.AppendAsync(record.Id, w => WriteRecord(w, record, images), CancellationToken.None).ConfigureAwait(false))
                {
                    counters.Completed();
                    if (!_options.KeepStepCache) cache.Remove(record.Id);
                }
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

    /// <summary>Builds one sample, reusing cached steps.</summary>
    private async Task<ColdStartRecord> BuildAsync(MathProblem p, StepCache cache, Counters counters, CancellationToken ct)
    {
        // Every image is read and decoded before the first request: a bad one fails the item (named), never a text-only request.
        List<AIContent>? images = null;
        List<AIContent> Images() => images ??= ChatImages.Load(p);

        var pseudo = await StepAsync(cache, counters, p.Id, ColdStartStep.PseudoCot, _mllm, _options.MllmModel, _options.MllmTemperature,
            () => [.. Images(), new TextContent(ColdStartPrompts.Fill(_prompts.PseudoCot, p.Question, p.Answer))], ct).ConfigureAwait(false);
        var description = await StepAsync(cache, counters, p.Id, ColdStartStep.Description, _mllm, _options.MllmModel, _options.MllmTemperature,
            () => [.. Images(), new TextContent(ColdStartPrompts.Fill(_prompts.Description, p.Question, p.Answer, pseudo.Text))], ct).ConfigureAwait(false);
        var reasoning = await StepAsync(cache, counters, p.Id, ColdStartStep.Reasoning, _reasoner, _options.ReasonerModel, _options.ReasonerTemperature,
            () => [new TextContent(ColdStartPrompts.Fill(_prompts.Reasoning, p.Question, p.Answer, pseudo.Text, description.Text, _prompts.Instruction))], ct).ConfigureAwait(false);
        return new ColdStartRecord(p, pseudo.Text, description.Text, reasoning.Text,
            pseudo.InputTokens + description.InputTokens + reasoning.InputTokens,
            pseudo.OutputTokens + description.OutputTokens + reasoning.OutputTokens);
    }

    private async Task<StepResult> StepAsync(StepCache cache, Counters counters, string id, ColdStartStep step, IChatClient client, string? model, float? temperature, Func<List<AIContent>> contents, CancellationToken ct)
    {
        if (await cache.TryGetAsync(id, step, ct).ConfigureAwait(false) is { } cached)
        {
            counters.Reused();
            return cached;
        }
        var message = new ChatMessage(ChatRole.User, contents());
        var result = await _resilience.ExecuteAsync(async token =>
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
            var response = await client.GetResponseAsync([message], options, token).ConfigureAwait(false);
            long input = response.Usage?.InputTokenCount ?? 0, output = response.Usage?.OutputTokenCount ?? 0;
            counters.Spent(step, input, output);
            string text;
            if (step != ColdStartStep.Reasoning) text = response.Text.Trim();
            else if (!ReasoningReply.TryFormat(response, out text) && _options.RetryUnformattedReasoning)
                throw new MalformedReplyException("the reasoning reply is not <think>…</think><answer>…</answer>");
            if (text.Length == 0) throw new MalformedReplyException($"empty {ColdStartTags.Name(step)} reply");
            return new StepResult(text, input, output);
        }, ct).ConfigureAwait(false);
        counters.Called();
        await cache.PutAsync(id, step, result, CancellationToken.None).ConfigureAwait(false);
        return result;
    }

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
