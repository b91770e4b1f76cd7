using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using VisionR1.Answers;
using VisionR1.Answers.Math;
using VisionR1.Problems;

namespace VisionR1.Data.Benchmarks;

/// <summary>The verdict on one MathVista item.</summary>
/// <param name="Extraction">The extracted answer that was normalised (the item's <c>extraction</c>, or what the extractor pulled from <c>response</c>).</param>
/// <param name="Prediction">The normalised prediction as Python would hold it (a string, or null for None, or the raw extraction for other answer types).</param>
/// <param name="TrueFalse">Whether the prediction equals the answer.</param>
public sealed record MathVistaVerdict(JsonElement? Extraction, JsonElement? Prediction, bool TrueFalse);

/// <summary>
/// MathVista scoring exactly as the official <c>calculate_score.py</c> does it, reproduced over the JSON an item
/// is stored in: multi-choice extractions become option TEXT (a letter such as <c>(C)</c> or <c>C</c> picks the
/// option, anything else the option nearest by Levenshtein distance over code points, first on ties); integers
/// become <c>str(int(float(x)))</c>; floats <c>str(round(float(x), int(precision)))</c>; lists <c>str(x)</c>; then
/// the prediction is compared with the answer by Python equality. Where Python raises, the prediction is None.
/// Items without an <c>extraction</c> get one from <c>response</c> by the official quick rules, then an
/// <see cref="IAnswerExtractor"/> (rules by default, or a judge model).
/// </summary>
public sealed partial class MathVistaScorer(IAnswerExtractor? extractor = null)
{
    private readonly IAnswerExtractor _extractor = extractor ?? new RuleBasedAnswerExtractor();

    /// <summary>The category keys of the official fine-grained scores (from the item and its <c>metadata</c>).</summary>
    public static IReadOnlyList<string> CategoryKeys { get; } = ["question_type", "answer_type", "language", "source", "category", "task", "context", "grade", "skills"];

    /// <summary>Scores one item (a JSON object with <c>question_type, answer_type, choices, precision, answer</c> and <c>extraction</c> or <c>response</c>).</summary>
    public async ValueTask<MathVistaVerdict> ScoreAsync(JsonElement item, CancellationToken cancellationToken = default)
    {
        if (item.ValueKind != JsonValueKind.Object) throw new FormatException("a MathVista item must be a JSON object");
        var questionType = OptionalString(item, "question_type");
        var answerType = OptionalString(item, "answer_type");
        item.TryGetProperty("choices", out var choices);
        item.TryGetProperty("precision", out var precision);
        if (!item.TryGetProperty("answer", out var answer)) throw new FormatException("missing field 'answer'");
        CheckTypes(answer, choices, precision);
        JsonElement? extraction;
        if (item.TryGetProperty("extraction", out var given)) extraction = given.ValueKind == JsonValueKind.Null ? null : given;
        else if (item.TryGetProperty("response", out var response))
        {
            var text = await ExtractAsync(item, response.ValueKind == JsonValueKind.String ? response.GetString()! : PythonText.Str(response), questionType, answerType, cancellationToken).ConfigureAwait(false);
            extraction = JsonSerializer.SerializeToElement(text);
        }
        else throw new FormatException("an item needs 'extraction' or 'response'");
        var prediction = Normalize(extraction, choices.ValueKind == JsonValueKind.Undefined ? null : choices, questionType, answerType, precision.ValueKind == JsonValueKind.Undefined ? null : precision);
        return new MathVistaVerdict(extraction?.Clone(), prediction?.Clone(), PythonEquals(prediction, answer.ValueKind == JsonValueKind.Null ? null : answer));
    }

    /// <summary>Refuses fields of the wrong JSON type by name: an answer that is not a string, number or null; choices that are not a list; a precision that is not a number.</summary>
    private static void CheckTypes(JsonElement answer, JsonElement choices, JsonElement precision)
    {
        if (answer.ValueKind is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.Null))
            throw new FormatException($"field 'answer' must be a string or a number, got {answer.ValueKind}");
        if (choices.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null or JsonValueKind.Array))
            throw new FormatException($"field 'choices' must be a list, got {choices.ValueKind}");
        bool numeric = precision.ValueKind switch
        {
            JsonValueKind.Undefined or JsonValueKind.Null => true,
            JsonValueKind.Number => precision.TryGetDouble(out var d) && double.IsFinite(d),
            JsonValueKind.String => double.TryParse(precision.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d),
            _ => false,
        };
        if (!numeric) throw new FormatException($"field 'precision' must be a number, got {precision.GetRawText()}");
    }

    /// <summary>The official <c>extract_answer</c> quick rules (exact option text, a bare integer or float, <c>The answer is "…".</c>), then the configured extractor.</summary>
    private async ValueTask<string> ExtractAsync(JsonElement item, string response, string? questionType, string? answerType, CancellationToken ct)
    {
        if (response.Length == 0) return "";
        var choices = ChoiceTexts(item);
        bool multi = questionType == AnswerTypeNames.MultiChoice;
        if (multi && choices is not null && choices.Contains(response, StringComparer.Ordinal)) return response;
        if (answerType == AnswerTypeNames.Integer && PythonNumbers.TryParseInt(response, out var i)) return i.ToString(CultureInfo.InvariantCulture);
        if (answerType == AnswerTypeNames.Float && PythonNumbers.TryParseFloat(response, out var f)) return PythonNumbers.Repr(f);
        var quick = QuotedAnswer().Match(response);
        if (quick.Success) return quick.Groups[1].Value;
        var question = OptionalString(item, "query") ?? OptionalString(item, "question") ?? "";
        return await _extractor.ExtractAsync(new ExtractionRequest(question, response, choices, answerType ?? AnswerTypeNames.Text, multi), ct).ConfigureAwait(false);
    }

    private static List<string>? ChoiceTexts(JsonElement item) =>
        item.TryGetProperty("choices", out var c) && c.ValueKind == JsonValueKind.Array ? c.EnumerateArray().Select(PythonText.Str).ToList() : null;

    /// <summary>
    /// The official <c>normalize_extracted_answer</c> over JSON values (null stands for Python's None).
    /// Returns the prediction: a JSON string, null (None), or the extraction unchanged for other answer types.
    /// </summary>
    public static JsonElement? Normalize(JsonElement? extraction, JsonElement? choices, string? questionType, string? answerType, JsonElement? precision)
    {
        if (questionType == AnswerTypeNames.MultiChoice)
        {
            string text = extraction is { ValueKind: JsonValueKind.String } s ? PythonNumbers.Strip(s.GetString()!)
                : extraction is { } other ? PythonText.Str(other) : "None";
            var letter = ParenthesisedLetter().Match(text);
            if (letter.Success) text = letter.Groups[1].Value.ToUpperInvariant();
            if (choices is not { ValueKind: JsonValueKind.Array } list || list.GetArrayLength() == 0) return null; // Python fails here
            var options = list.EnumerateArray().Select(PythonText.Str).ToList();
            int index = text.Length == 1 && text[0] is >= 'A' and <= 'Z' && text[0] - 'A' < options.Count ? text[0] - 'A' : Levenshtein.NearestIndex(text, options);
            return JsonSerializer.SerializeToElement(options[index]);
        }
        switch (answerType)
        {
            case AnswerTypeNames.Integer:
                return ToFloat(extraction) is { } x && PythonNumbers.TruncateToIntString(x) is { } integer ? JsonSerializer.SerializeToElement(integer) : null;
            case AnswerTypeNames.Float:
                if (ToFloat(extraction) is not { } value || ToInt(precision) is not { } digits) return null;
                return PythonNumbers.Round(value, digits) is { } rounded ? JsonSerializer.SerializeToElement(PythonNumbers.Repr(rounded)) : null;
            case AnswerTypeNames.List:
                return JsonSerializer.SerializeToElement(extraction is { } e ? PythonText.Str(e) : "None");
            default:
                return extraction;
        }
    }

    /// <summary>Python's <c>float(v)</c> of a JSON value, or null where Python raises.</summary>
    private static double? ToFloat(JsonElement? v)
    {
        switch (v?.ValueKind)
        {
            case JsonValueKind.String:
                return PythonNumbers.TryParseFloat(v.Value.GetString(), out var d) ? d : null;
            case JsonValueKind.Number:
                var raw = v.Value.GetRawText();
                var x = double.Parse(raw, NumberStyles.Float, CultureInfo.InvariantCulture);
                return PythonText.IsJsonInteger(raw) && double.IsInfinity(x) ? null : x; // int too large for a float: OverflowError
            case JsonValueKind.True: return 1.0;
            case JsonValueKind.False: return 0.0;
            default: return null;
        }
    }

    /// <summary>Python's <c>int(v)</c> of a JSON value, or null where Python raises.</summary>
    private static BigInteger? ToInt(JsonElement? v)
    {
        switch (v?.ValueKind)
        {
            case JsonValueKind.Number:
                var raw = v.Value.GetRawText();
                if (PythonText.IsJsonInteger(raw)) return BigInteger.Parse(raw, CultureInfo.InvariantCulture);
                var d = double.Parse(raw, NumberStyles.Float, CultureInfo.InvariantCulture);
                return double.IsFinite(d) ? new BigInteger(Math.Truncate(d)) : null;
            case JsonValueKind.String:
                return PythonNumbers.TryParseInt(v.Value.GetString(), out var i) ? i : null;
            case JsonValueKind.True: return BigInteger.One;
            case JsonValueKind.False: return BigInteger.Zero;
            default: return null;
        }
    }

    /// <summary>Python's <c>a == b</c> for values loaded from JSON (null is None; numbers and booleans compare by value).</summary>
    public static bool PythonEquals(JsonElement? a, JsonElement? b)
    {
        if (a is null || b is null) return a is null && b is null;
        var x = a.Value;
        var y = b.Value;
        if (IsNumeric(x) && IsNumeric(y))
            return NumericValue(x) is { } mx && NumericValue(y) is { } my ? mx == my : DoubleValue(x) == DoubleValue(y);
        if (x.ValueKind != y.ValueKind) return false;
        switch (x.ValueKind)
        {
            case JsonValueKind.String: return string.Equals(x.GetString(), y.GetString(), StringComparison.Ordinal);
            case JsonValueKind.Null: return true;
            case JsonValueKind.Array:
                if (x.GetArrayLength() != y.GetArrayLength()) return false;
                return x.EnumerateArray().Zip(y.EnumerateArray()).All(p => PythonEquals(p.First, p.Second));
            case JsonValueKind.Object:
                var dx = Last(x);
                var dy = Last(y);
                return dx.Count == dy.Count && dx.All(kv => dy.TryGetValue(kv.Key, out var other) && PythonEquals(kv.Value, other));
            default: return false;
        }
    }

    private static Dictionary<string, JsonElement> Last(JsonElement o)
    {
        var d = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var p in o.EnumerateObject()) d[p.Name] = p.Value;
        return d;
    }

    private static bool IsNumeric(JsonElement e) => e.ValueKind is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False;

    private static decimal? NumericValue(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.True => 1m,
        JsonValueKind.False => 0m,
        _ => e.TryGetDecimal(out var m) ? m : (decimal?)null,
    };

    private static double DoubleValue(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.True => 1,
        JsonValueKind.False => 0,
        _ => double.Parse(e.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    private static string? OptionalString(JsonElement item, string name) =>
        item.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>The category values an item belongs to, for the per-category breakdown (metadata keys merged into the item, skills as a list).</summary>
    public static IEnumerable<KeyValuePair<string, string>> Categories(JsonElement item)
    {
        var fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var p in item.EnumerateObject()) fields[p.Name] = p.Value;
        if (item.TryGetProperty("metadata", out var meta) && meta.ValueKind == JsonValueKind.Object)
            foreach (var p in meta.EnumerateObject()) fields[p.Name] = p.Value;
        foreach (var key in CategoryKeys)
        {
            if (!fields.TryGetValue(key, out var v) || v.ValueKind == JsonValueKind.Null) continue;
            if (v.ValueKind == JsonValueKind.Array)
                foreach (var e in v.EnumerateArray().Select(PythonText.Str).Distinct(StringComparer.Ordinal)) yield return new(key, e);
            else if (key == "skills" && v.ValueKind == JsonValueKind.String)
                foreach (var skill in v.GetString()!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal)) yield return new(key, skill);
            else yield return new(key, PythonText.Str(v));
        }
    }

    /// <summary>
    /// Scores a JSONL file of items: writes each input object plus <c>prediction</c> and <c>true_false</c> to
    /// <paramref name="outputPath"/> (atomically, when given) and returns the report. A line that cannot be scored
    /// (not JSON, no answer, neither extraction nor response) throws naming its line.
    /// </summary>
    public async Task<BenchmarkReport> ScoreFileAsync(string inputPath, string? outputPath = null, double confidence = 0.95, CancellationToken cancellationToken = default)
    {
        var tally = new AccuracyTally();
        var name = Path.GetFileName(inputPath);
        var scored = new List<JsonObject>();
        int lineNo = 0;
        foreach (var line in ItemLines(inputPath))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            cancellationToken.ThrowIfCancellationRequested();
            JsonObject obj;
            MathVistaVerdict verdict;
            var json = PythonJson.ReplaceNonFiniteLiterals(line);
            try
            {
                using var doc = JsonDocument.Parse(json);
                verdict = await ScoreAsync(doc.RootElement, cancellationToken).ConfigureAwait(false);
                tally.Add(verdict.TrueFalse, Categories(doc.RootElement).ToList());
                obj = JsonNode.Parse(json)!.AsObject();
            }
            catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
            {
                throw new Readers.DataFormatException($"{name}:{lineNo}", e.Message, e);
            }
            obj["prediction"] = verdict.Prediction is { } p ? JsonNode.Parse(p.GetRawText()) : null;
            obj["true_false"] = verdict.TrueFalse;
            if (outputPath is not null) scored.Add(obj);
        }
        if (outputPath is not null)
            await Readers.JsonlFile.WriteAtomicAsync(outputPath, scored.ToAsyncEnumerable(), (w, o) => o.WriteTo(w), cancellationToken).ConfigureAwait(false);
        return tally.ToReport("MathVista", confidence);
    }

    /// <summary>
    /// The item lines of a file: JSON Lines as the contract says; a whole-file JSON object keyed by pid (the official
    /// <c>output_*.json</c> layout) or a JSON array of items is accepted too and yields one line per item.
    /// </summary>
    private static IEnumerable<string> ItemLines(string path)
    {
        var first = File.ReadLines(path).FirstOrDefault(l => !string.IsNullOrWhiteSpace(l))?.Trim();
        bool wholeFile = first is "{" or "[" || (first is not null && first.StartsWith('[') && !first.EndsWith(']'));
        if (!wholeFile) return File.ReadLines(path);
        var root = JsonNode.Parse(PythonJson.ReplaceNonFiniteLiterals(File.ReadAllText(path)));
        IEnumerable<JsonNode?> items = root switch
        {
            JsonObject o => o.Select(kv =>
            {
                var item = kv.Value?.DeepClone();
                if (item is JsonObject io && !io.ContainsKey("pid")) io["pid"] = kv.Key;
                return item;
            }),
            JsonArray a => a,
            _ => throw new FormatException("expected JSON Lines, or a JSON object or array of items"),
        };
        return items.Select(i => i?.ToJsonString() ?? "null");
    }

    [GeneratedRegex(@"\(([a-zA-Z])\)")]
    private static partial Regex ParenthesisedLetter();

    [GeneratedRegex("The answer is \"(.*)\"\\.")]
    private static partial Regex QuotedAnswer();
}
