using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using VisionR1.Answers;
using VisionR1.Grpo.Rewards;
using VisionR1.IO;
using VisionR1.Trainer.Cli;

namespace VisionR1.Trainer.Commands;

/// <summary>
/// `vr1 verify --input pairs.jsonl [--output out.jsonl]`: judges (gold, prediction) pairs with
/// <see cref="MathVerifier"/>. Each input line is a JSON object with "gold" and "prediction" (extra
/// fields are kept; optional "choices" and "precision" are used as the answer context); each output
/// line is that object plus "equal" and "extracted". The file is streamed in blocks verified in
/// parallel and written in input order; malformed lines are reported on stderr with their line
/// number, counted and skipped. The last stderr line is the summary.
/// </summary>
public sealed class VerifyCommand : ICliCommand
{
    private readonly Option<string> _input = Opt.Required("--input", "Pairs, one JSON object a line: {\"gold\": \"...\", \"prediction\": \"...\"} (+ optional \"choices\", \"precision\", any other fields).", "FILE");
    private readonly Option<string?> _output = Opt.Text("--output", "The input lines plus \"equal\": true|false and \"extracted\": \"...\" [default: stdout].", "FILE");
    private readonly Option<int?> _threads = Opt.OptionalInt("--threads", "Verifier threads [default: the processor count].", "N");

    private const int BlockSize = 2048;

    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <inheritdoc />
    public string Name => "verify";

    /// <inheritdoc />
    public string Summary => "Judge gold/prediction pairs (JSONL) for mathematical equivalence.";

    /// <inheritdoc />
    public async Task<int> RunAsync(ParseResult parse, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var input = parse.GetValue(_input)!;
        var output = parse.GetValue(_output);
        int threads = parse.GetValue(_threads) ?? Environment.ProcessorCount;
        if (threads < 1) throw new CliUsageException("--threads must be at least 1.");
        if (!File.Exists(input))
        {
            stderr.WriteLine($"vr1 verify: input file '{input}' does not exist.");
            return 1;
        }

        var verifier = new MathVerifier();
        var watch = Stopwatch.StartNew();
        long total = 0, equal = 0, malformed = 0;

        async Task VerifyAll(TextWriter writer, CancellationToken ct)
        {
            // Lines over the limit are named and skipped as they stream past, never held whole.
            using var reader = BoundedLineReader.Open(input);
            var lines = new List<(long Number, string? Text, string? TooLong)>(BlockSize);
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                lines.Clear();
                while (lines.Count < BlockSize && reader.TryReadLine(out var line))
                {
                    if (line.IsTooLong) lines.Add((line.Number, null, line.TooLongReason(reader.MaxLineBytes)));
                    else if (!line.IsBlank) lines.Add((line.Number, line.Text, null));
                }
                if (lines.Count == 0) break;
                var results = new (string? Json, string? Error, bool Equal)[lines.Count];
                Parallel.For(0, lines.Count, new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = ct },
                    i => results[i] = lines[i].Text is { } text ? ProcessOrName(verifier, text) : (null, lines[i].TooLong, false));
                for (int i = 0; i < results.Length; i++)
                {
                    var r = results[i];
                    if (r.Error is not null)
                    {
                        malformed++;
                        stderr.WriteLine($"vr1 verify: {input}:{lines[i].Number}: {r.Error}");
                        continue;
                    }
                    total++;
                    if (r.Equal) equal++;
                    await writer.WriteLineAsync(r.Json).ConfigureAwait(false);
                }
            }
            await writer.FlushAsync(ct).ConfigureAwait(false);
        }

        if (output is null) await VerifyAll(stdout, cancellationToken).ConfigureAwait(false);
        else
        {
            AtomicFile.RemoveOrphans(output); // the temporary file of a killed earlier run of this command
            // Written whole or not at all: an interrupted run leaves no half-written output behind.
            await AtomicFile.WriteAsync(output, async (stream, ct) =>
            {
                await using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), 1 << 16, leaveOpen: true);
                await VerifyAll(writer, ct).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
        }
        stderr.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"verified {total} pairs: {equal} equal, {total - equal} unequal, {malformed} malformed in {watch.Elapsed.TotalSeconds:F2} s"));
        return 0;
    }

    /// <summary><see cref="Process"/>, with any failure on one line (e.g. a JSON value too large to parse) reported for that line alone.</summary>
    private static (string? Json, string? Error, bool Equal) ProcessOrName(MathVerifier verifier, string line)
    {
        try
        {
            return Process(verifier, line);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or OverflowException)
        {
            return (null, e.Message, false);
        }
    }

    private static (string? Json, string? Error, bool Equal) Process(MathVerifier verifier, string line)
    {
        JsonObject obj;
        try
        {
            if (JsonNode.Parse(line) is not JsonObject o) return (null, "not a JSON object", false);
            obj = o;
        }
        catch (JsonException e)
        {
            return (null, "invalid JSON: " + e.Message, false);
        }
        if (!TryText(obj, "gold", out var gold, out var error) || !TryText(obj, "prediction", out var prediction, out error))
            return (null, error, false);
        if (!TryReadContext(obj, out var context, out error)) return (null, error, false);
        var result = verifier.Verify(gold, prediction, context);
        obj["equal"] = result.Equal;
        obj["extracted"] = result.Extracted;
        return (obj.ToJsonString(Json), null, result.Equal);
    }

    /// <summary>A required text field; numbers are accepted as their JSON text (e.g. "gold": 12).</summary>
    private static bool TryText(JsonObject obj, string key, out string value, out string? error)
    {
        value = "";
        error = null;
        if (!obj.TryGetPropertyValue(key, out var node) || node is null)
        {
            error = $"missing field \"{key}\"";
            return false;
        }
        if (node is JsonValue v)
        {
            if (v.TryGetValue<string>(out var s)) { value = s; return true; }
            if (v.GetValueKind() is JsonValueKind.Number) { value = v.ToJsonString(); return true; }
        }
        error = $"field \"{key}\" must be a string or a number, got {node.GetValueKind()}";
        return false;
    }

    /// <summary>The optional answer context; a "choices" that is not a list or a "precision" that is not a number is refused by name.</summary>
    private static bool TryReadContext(JsonObject obj, out AnswerContext? context, out string? error)
    {
        context = null;
        error = null;
        IReadOnlyList<string>? choices = null;
        int? precision = null;
        if (obj.TryGetPropertyValue("choices", out var c) && c is not null)
        {
            if (c is not JsonArray arr)
            {
                error = $"field \"choices\" must be a list, got {c.GetValueKind()}";
                return false;
            }
            choices = arr.Select(x => x is JsonValue xv && xv.TryGetValue<string>(out var s) ? s : x?.ToJsonString() ?? "").ToList();
        }
        if (obj.TryGetPropertyValue("precision", out var p) && p is not null)
        {
            if (p is JsonValue pv && pv.TryGetValue<double>(out var d)) precision = Precision(d);
            else if (p is JsonValue sv && sv.TryGetValue<string>(out var s) && double.TryParse(s, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var parsed)) precision = Precision(parsed);
            else
            {
                error = $"field \"precision\" must be a number, got {p.ToJsonString()}";
                return false;
            }
        }
        context = choices is null && precision is null ? null : new AnswerContext(choices, precision);
        return true;
    }

    private static int? Precision(double d) => double.IsFinite(d) && Math.Abs(d) < 1e9 ? (int)Math.Round(d) : null;
}
