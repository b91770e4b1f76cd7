using System.Text.Json;
using System.Text.Json.Nodes;
using VisionR1.Answers;
using VisionR1.Data.Readers;
using VisionR1.Problems;

namespace VisionR1.Data.Benchmarks;

/// <summary>
/// Scores JSONL files of model outputs for MathVerse, MM-Math and DynaMath (MathVista: <see cref="MathVistaScorer.ScoreFileAsync"/>).
/// Each output line is the input object plus <c>prediction</c> and <c>true_false</c>; breakdowns use the
/// category fields present on the lines.
/// </summary>
public static class BenchmarkFiles
{
    private static readonly string[] BreakdownKeys = ["question_type", "problem_version", "subject", "subfield", "difficulty", "grade", "category", "knowledge", "answer_type"];

    /// <summary>MathVerse quick match: lines with <c>answer</c>, <c>response</c> or <c>extraction</c>, and optional <c>question</c>, <c>question_type</c> (<c>multi-choice</c>), <c>choices</c>.</summary>
    public static Task<BenchmarkReport> ScoreMathVerseAsync(string input, string? output, CancellationToken cancellationToken = default, IAnswerExtractor? extractor = null)
    {
        var scorer = new MathVerseScorer(extractor);
        return ScoreLinesAsync(input, output, "MathVerse", async (e, ct) =>
        {
            var qt = Str(e, "question_type") ?? "";
            bool multi = qt.Contains("choice", StringComparison.OrdinalIgnoreCase);
            var choices = e.TryGetProperty("choices", out var c) && c.ValueKind == JsonValueKind.Array ? c.EnumerateArray().Select(PythonText.Str).ToList() : null;
            var (extraction, ok) = await scorer.ScoreAsync(Str(e, "question") ?? "", Require(e, "answer"), Str(e, "response"), Str(e, "extraction"), choices, multi, ct).ConfigureAwait(false);
            return (extraction, ok);
        }, cancellationToken);
    }

    /// <summary>MM-Math: lines with <c>answer</c> (boxed or bare) and <c>response</c>.</summary>
    public static Task<BenchmarkReport> ScoreMmMathAsync(string input, string? output, CancellationToken cancellationToken = default, IAnswerVerifier? verifier = null)
    {
        var scorer = new MmMathScorer(verifier: verifier);
        return ScoreLinesAsync(input, output, "MM-Math", (e, _) =>
        {
            var response = Require(e, "response");
            return ValueTask.FromResult((AnswerExtractor.LastClosedBox(response) ?? "", scorer.IsCorrect(Require(e, "answer"), response)));
        }, cancellationToken);
    }

    /// <summary>
    /// Any problem set judged by an <see cref="IAnswerVerifier"/> (RL data, the synthetic world's test split): lines with
    /// <c>answer</c> and <c>response</c> (optional <c>choices</c>, <c>precision</c>); the response's final answer must be
    /// equivalent to the answer. Breakdowns by the metadata fields <c>family</c>, <c>source</c> and <c>category</c> when present.
    /// </summary>
    public static Task<BenchmarkReport> ScoreWithVerifierAsync(string input, string? output, IAnswerVerifier verifier, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(verifier);
        return ScoreLinesAsync(input, output, "Verified", (e, _) =>
        {
            var choices = e.TryGetProperty("choices", out var c) && c.ValueKind == JsonValueKind.Array ? c.EnumerateArray().Select(PythonText.Str).ToList() : null;
            int? precision = e.TryGetProperty("precision", out var p) && p.ValueKind == JsonValueKind.Number && p.TryGetDouble(out var d) && double.IsFinite(d) ? (int)d : null;
            var v = verifier.Verify(Require(e, "answer"), Require(e, "response"), new AnswerContext(choices, precision));
            return ValueTask.FromResult((v.Extracted, v.Equal));
        }, cancellationToken, ["family", "source", "category", "task"]);
    }

    /// <summary>DynaMath: lines with <c>seed</c> (or <c>qid</c>), <c>answer_type</c>, <c>answer</c> (or <c>ground_truth</c>), <c>response</c>. Returns both accuracies.</summary>
    public static async Task<DynaMathReport> ScoreDynaMathFileAsync(string input, string? output, CancellationToken cancellationToken = default)
    {
        var scorer = new DynaMathScorer();
        var items = new List<DynaMathItem>();
        await ScoreLinesAsync(input, output, "DynaMath", (e, _) =>
        {
            var item = new DynaMathItem(Str(e, "seed") ?? Str(e, "qid") ?? Require(e, "id"), Str(e, "answer_type") ?? AnswerTypeNames.FreeFormWords, Str(e, "answer") ?? Require(e, "ground_truth"), Require(e, "response"));
            items.Add(item);
            return ValueTask.FromResult((AnswerExtractor.MarkedAnswer(item.Response, out bool _), scorer.IsCorrect(item)));
        }, cancellationToken).ConfigureAwait(false);
        return scorer.Score(items);
    }

    /// <summary>DynaMath as a <see cref="BenchmarkReport"/> whose breakdown also carries the worst-case accuracy (key <c>worst_case</c>).</summary>
    public static async Task<BenchmarkReport> ScoreDynaMathAsync(string input, string? output, CancellationToken cancellationToken = default)
    {
        var r = await ScoreDynaMathFileAsync(input, output, cancellationToken).ConfigureAwait(false);
        var breakdown = r.Average.Breakdown.ToDictionary(k => k.Key, k => k.Value, StringComparer.Ordinal);
        breakdown["worst_case"] = new Dictionary<string, AccuracyEstimate>(StringComparer.Ordinal) { ["seeds"] = r.WorstCase };
        return r.Average with { Breakdown = breakdown };
    }

    private static async Task<BenchmarkReport> ScoreLinesAsync(string input, string? output, string benchmark, Func<JsonElement, CancellationToken, ValueTask<(string Prediction, bool Correct)>> score, CancellationToken cancellationToken, string[]? metadataKeys = null)
    {
        var tally = new AccuracyTally();
        var lines = new List<JsonObject>();
        var name = Path.GetFileName(input);
        int lineNo = 0;
        foreach (var line in File.ReadLines(input))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                using var doc = JsonDocument.Parse(line);
                var e = doc.RootElement;
                if (e.ValueKind != JsonValueKind.Object) throw new FormatException("expected a JSON object");
                var (prediction, ok) = await score(e, cancellationToken).ConfigureAwait(false);
                var categories = BreakdownKeys.Select(k => (k, v: Str(e, k))).Where(x => x.v is not null).Select(x => new KeyValuePair<string, string>(x.k, x.v!)).ToList();
                if (metadataKeys is not null && e.TryGetProperty("metadata", out var meta) && meta.ValueKind == JsonValueKind.Object)
                    categories.AddRange(metadataKeys.Select(k => (k, v: Str(meta, k))).Where(x => x.v is not null).Select(x => new KeyValuePair<string, string>(x.k, x.v!)));
                tally.Add(ok, categories);
                if (output is null) continue;
                var obj = JsonNode.Parse(line)!.AsObject();
                obj["prediction"] = prediction;
                obj["true_false"] = ok;
                lines.Add(obj);
            }
            catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
            {
                throw new DataFormatException($"{name}:{lineNo}", ex.Message, ex);
            }
        }
        if (output is not null) await JsonlFile.WriteAtomicAsync(output, lines.ToAsyncEnumerable(), (w, o) => o.WriteTo(w), cancellationToken).ConfigureAwait(false);
        return tally.ToReport(benchmark);
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined) ? PythonText.Str(v) : null;

    private static string Require(JsonElement e, string name) => Str(e, name) ?? throw new FormatException($"missing field '{name}'");
}
