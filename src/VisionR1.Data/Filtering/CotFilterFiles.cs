using VisionR1.Answers;
using VisionR1.Data.ColdStart;
using VisionR1.Data.Readers;
using VisionR1.Data.Records;
using VisionR1.Problems;

namespace VisionR1.Data.Filtering;

/// <summary>
/// Runs a <see cref="CotFilter"/> over the JSONL output of the construction (each response judged against its typed problem:
/// answer, choices, precision) and writes the kept samples as ShareGPT chat samples (text CoT paired back with the image) that
/// keep the problem's facts.
/// </summary>
public static class CotFilterFiles
{
    /// <summary>
    /// Filters <paramref name="inputPath"/> (cold-start records) into <paramref name="outputPath"/> (ShareGPT JSONL, images
    /// relative to the output's folder, written atomically; images outside it are copied under its <c>images/</c>); removed samples go to
    /// <paramref name="rejectedPath"/> with their rule when given. Unreadable input lines are skipped into <paramref name="readReport"/>
    /// (file:line and why) unless <see cref="ReadOptions.Strict"/>.
    /// </summary>
    public static async Task<FilterReport> FilterAsync(CotFilter filter, string inputPath, string outputPath, string? rejectedPath = null, ReadOptions? readOptions = null, ReadReport? readReport = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        readReport ??= new ReadReport();
        var removed = Enum.GetValues<FilterRule>().ToDictionary(r => r, _ => 0);
        var examples = new Dictionary<FilterRule, List<KeyValuePair<string, string>>>();
        var reflective = new ReflectiveWordCounter();
        var kept = new List<ChatSample>();
        var rejected = new List<(ColdStartRecord Record, FilterVerdict Verdict)>();
        long words = 0;
        int withReplacements = 0, total = 0;
        await foreach (var record in ColdStartRecordJsonl.ReadAsync(inputPath, readOptions, readReport, cancellationToken).ConfigureAwait(false))
        {
            total++;
            var verdict = filter.Check(record.Response, record.Problem);
            if (verdict.Kept)
            {
                words += verdict.Replacements;
                if (verdict.Replacements > 0) withReplacements++;
                reflective.Add(verdict.Response);
                kept.Add((record with { Response = verdict.Response }).ToChatSample());
            }
            else
            {
                var rule = verdict.FailedRule!.Value;
                removed[rule]++;
                if (!examples.TryGetValue(rule, out var list)) examples[rule] = list = [];
                if (list.Count < 5) list.Add(new(record.Id, verdict.Reason ?? ""));
                if (rejectedPath is not null) rejected.Add((record, verdict));
            }
        }
        var outRoot = Path.GetDirectoryName(Path.GetFullPath(outputPath))!;
        await ChatSampleJsonl.WriteAsync(outputPath, kept.ToAsyncEnumerable(), outRoot, cancellationToken).ConfigureAwait(false);
        if (rejectedPath is not null)
            await JsonlFile.WriteAtomicAsync(rejectedPath, rejected.ToAsyncEnumerable(), (w, r) =>
            {
                w.WriteStartObject();
                w.WriteString("id", r.Record.Id);
                w.WriteString("rule", r.Verdict.FailedRule.ToString());
                w.WriteString("reason", r.Verdict.Reason);
                w.WriteString("answer", r.Record.Answer);
                w.WriteString("response", r.Record.Response);
                w.WriteEndObject();
            }, cancellationToken).ConfigureAwait(false);
        return new FilterReport(total, kept.Count, removed, examples.ToDictionary(k => k.Key, k => (IReadOnlyList<KeyValuePair<string, string>>)k.Value), words, withReplacements, reflective.Report(), readReport.Skipped.Count);
    }
}
