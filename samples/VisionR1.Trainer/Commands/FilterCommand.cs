using System.CommandLine;
using System.Globalization;
using VisionR1.Answers;
using VisionR1.Data.Filtering;
using VisionR1.Data.Readers;
using VisionR1.Data.Records;
using VisionR1.Problems;
using VisionR1.Trainer.Cli;

namespace VisionR1.Trainer.Commands;

/// <summary>`vr1 filter`: rule-based filtering of cold-start CoT data, or reflective-word statistics of any chat data.</summary>
public sealed class FilterCommand : ICliCommand
{
    private readonly Option<string?> _stats = Opt.Text("--stats", "Count reflective words in the assistant turns of any ShareGPT/OpenAI-style chat JSONL, or in the 'response' of cold-start records, instead of filtering.", "FILE");
    private readonly Option<string?> _input = Opt.Text("--input", "`vr1 build-cold` output to filter.", "FILE");
    private readonly Option<string?> _output = Opt.Text("--output", "The kept samples, as ShareGPT chat samples with their images.", "FILE");
    private readonly Option<string?> _rejected = Opt.Text("--rejected", "The rejected records, with why.", "FILE");
    private readonly Option<bool> _noReplace = Opt.Switch("--no-replace", "Keep the words the default replacement table rewrites.");
    private readonly Option<string[]> _replace = Opt.Many("--replace", "Rewrite WORD to REPLACEMENT in kept samples (repeatable; replaces the default table).", "WORD=REPLACEMENT");
    private readonly Option<bool> _noFormat = Opt.Switch("--no-format", "Keep samples without the think/answer format.");
    private readonly Option<bool> _noAnswer = Opt.Switch("--no-answer", "Keep samples whose answer is wrong.");
    private readonly Option<bool> _noConsistency = Opt.Switch("--no-consistency", "Skip the reasoning-answer consistency check.");
    private readonly Option<bool> _noTruncation = Opt.Switch("--no-truncation", "Keep truncated responses.");
    private readonly Option<bool> _noRepetition = Opt.Switch("--no-repetition", "Keep responses with repeated passages.");
    private readonly Option<bool> _strict = CommonOptions.Strict();
    private readonly Option<string[]> _word = Opt.Many("--word", "With --stats: a word to count (repeatable) [default: Wait, Hmm, Mistake, Alternatively, Check].", "WORD");
    private readonly Option<bool> _caseSensitive = Opt.Switch("--case-sensitive", "With --stats: count words case-sensitively.");

    /// <inheritdoc />
    public string Name => "filter";

    /// <inheritdoc />
    public string Summary => "Filter cold-start CoT samples (format, answer, consistency, truncation, loops; word replacement) or count reflective words.";

    /// <inheritdoc />
    public string Details =>
        "Filters `vr1 build-cold` output into SFT data, or with --stats counts reflective words in chat JSONL.";

    /// <inheritdoc />
    public async Task<int> RunAsync(ParseResult parse, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (parse.GetValue(_stats) is { } statsPath) return await StatsAsync(parse, statsPath, stdout, cancellationToken).ConfigureAwait(false);
        var input = (parse.GetValue(_input) ?? throw new CliUsageException("--input is required."));
        var output = (parse.GetValue(_output) ?? throw new CliUsageException("--output is required."));
        var rejected = parse.GetValue(_rejected);
        IReadOnlyDictionary<string, string>? replacements = null;
        if (parse.GetValue(_noReplace)) replacements = new Dictionary<string, string>();
        var custom = parse.GetValue(_replace)!;
        if (custom.Length > 0)
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
            RequireFormat: !parse.GetValue(_noFormat),
            RequireCorrectAnswer: !parse.GetValue(_noAnswer),
            CheckConsistency: !parse.GetValue(_noConsistency),
            RejectTruncated: !parse.GetValue(_noTruncation),
            RejectRepetition: !parse.GetValue(_noRepetition),
            Replacements: replacements);
        var strict = parse.GetValue(_strict);
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

    private async Task<int> StatsAsync(ParseResult parse, string path, TextWriter stdout, CancellationToken cancellationToken)
    {
        var words = parse.GetValue(_word)!;
        var caseSensitive = parse.GetValue(_caseSensitive);
        if (!File.Exists(path)) throw new CliUsageException($"input file '{path}' not found.");
        var counter = new ReflectiveWordCounter(words.Length > 0 ? words : null, caseSensitive);
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
