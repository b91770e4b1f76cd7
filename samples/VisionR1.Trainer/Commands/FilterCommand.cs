using System.Globalization;
using VisionR1.Answers;
using VisionR1.Data.Filtering;
using VisionR1.Data.Readers;
using VisionR1.Data.Records;
using VisionR1.Problems;
using VisionR1.Trainer.Cli;

namespace VisionR1.Trainer.Commands;

/// <summary>`vr1 filter`: rule-based filtering of cold-start CoT data, or reflective-word statistics of any chat data.</summary>
public sealed class FilterCommand : ICliCommand, IHasSwitches
{
    /// <inheritdoc />
    public string Name => "filter";

    /// <inheritdoc />
    public string Summary => "Filter cold-start CoT samples (format, answer, consistency, truncation, loops; word replacement) or count reflective words.";

    /// <inheritdoc />
    public string Usage =>
        "vr1 filter --input cold.jsonl --output sft.jsonl [--rejected rejected.jsonl] [--replace WORD=REPLACEMENT ...] [--no-replace]\n"
        + "           [--no-format] [--no-answer] [--no-consistency] [--no-truncation] [--no-repetition] [--strict]\n"
        + "vr1 filter --stats data.jsonl [--word WORD ...] [--case-sensitive]\n"
        + "  The first form reads `vr1 build-cold` output and writes the kept samples as ShareGPT chat samples with their images.\n"
        + "  The second counts reflective words (default: Wait, Hmm, Mistake, Alternatively, Check) in the assistant turns of any\n"
        + "  ShareGPT/OpenAI-style chat JSONL, or in the 'response' of cold-start records.";

    /// <inheritdoc />
    public IReadOnlyList<string> Switches => ["no-replace", "no-format", "no-answer", "no-consistency", "no-truncation", "no-repetition", "strict", "case-sensitive"];

    /// <inheritdoc />
    public async Task<int> RunAsync(CliArgs args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (args.Get("stats") is { } statsPath) return await StatsAsync(args, statsPath, stdout, cancellationToken).ConfigureAwait(false);
        var input = args.Require("input");
        var output = args.Require("output");
        var rejected = args.Get("rejected");
        IReadOnlyDictionary<string, string>? replacements = null;
        if (args.Flag("no-replace")) replacements = new Dictionary<string, string>();
        var custom = args.GetAll("replace");
        if (custom.Count > 0)
        {
            var table = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var pair in custom)
            {
                int eq = pair.IndexOf('=');
                if (eq <= 0) throw new CliUsageException($"--replace expects WORD=REPLACEMENT, got '{pair}'.");
                table[pair[..eq]] = pair[(eq + 1)..];
            }
            replacements = table;
        }
        var options = new CotFilterOptions(
            RequireFormat: !args.Flag("no-format"),
            RequireCorrectAnswer: !args.Flag("no-answer"),
            CheckConsistency: !args.Flag("no-consistency"),
            RejectTruncated: !args.Flag("no-truncation"),
            RejectRepetition: !args.Flag("no-repetition"),
            Replacements: replacements);
        var strict = args.Flag("strict");
        args.ThrowOnUnknown();
        if (!File.Exists(input)) throw new CliUsageException($"input file '{input}' not found.");
        using var outLock = VisionR1.IO.OutputFolderLock.AcquireForFile(output, "vr1 filter");
        // Temporary files a killed earlier run left beside the outputs.
        VisionR1.IO.AtomicFile.RemoveOrphans(output);
        if (rejected is not null) VisionR1.IO.AtomicFile.RemoveOrphans(rejected);

        var filter = new CotFilter(new MathVerifier(), options);
        var readReport = new ReadReport();
        var report = await CotFilterFiles.FilterAsync(filter, input, output, rejected, new ReadOptions(Strict: strict), readReport, cancellationToken).ConfigureAwait(false);
        foreach (var skipped in readReport.Skipped) stderr.WriteLine($"filter: skipped {skipped.Location}: {skipped.Reason}");
        stdout.Write(report.ToText());
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"kept: {report.Kept}/{report.Total}"));
        return 0;
    }

    private static async Task<int> StatsAsync(CliArgs args, string path, TextWriter stdout, CancellationToken cancellationToken)
    {
        var words = args.GetAll("word");
        var caseSensitive = args.Flag("case-sensitive");
        args.ThrowOnUnknown();
        if (!File.Exists(path)) throw new CliUsageException($"input file '{path}' not found.");
        var counter = new ReflectiveWordCounter(words.Count > 0 ? words : null, caseSensitive);
        var report = new ReadReport();
        var root = Path.GetDirectoryName(Path.GetFullPath(path))!;
        await foreach (var text in JsonlFile.ReadAsync(path, (e, loc) => AssistantText(e, root, loc), false, report, cancellationToken).ConfigureAwait(false))
            counter.Add(text);
        stdout.WriteLine(counter.Report().ToString());
        if (report.Skipped.Count > 0) stdout.WriteLine($"unreadable lines: {report.Skipped.Count} (first: {report.Skipped[0].Location}: {report.Skipped[0].Reason})");
        return 0;
    }

    private static string AssistantText(System.Text.Json.JsonElement e, string root, string location)
    {
        if (e.TryGetProperty("response", out var r) && r.ValueKind == System.Text.Json.JsonValueKind.String) return r.GetString()!;
        var sample = ChatSampleJsonl.Parse(e, root, requireImageFiles: false, location, location);
        return string.Join("\n", sample.Turns.Where(t => t.Role == VisionR1.Inputs.ChatTurn.AssistantRole).Select(t => t.Text));
    }
}
