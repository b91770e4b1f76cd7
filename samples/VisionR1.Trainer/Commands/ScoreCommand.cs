using System.CommandLine;
using System.Globalization;
using VisionR1.Data.Benchmarks;
using VisionR1.Data.Readers;
using VisionR1.Trainer.Cli;

namespace VisionR1.Trainer.Commands;

/// <summary>`vr1 score BENCHMARK`: scores a file of model outputs with the benchmark's official rules.</summary>
public sealed class ScoreCommand : ICliCommand
{
    private readonly Option<string> _input = Opt.Required("--input", "The items to score (JSONL).", "FILE");
    private readonly Option<string?> _output = Opt.Text("--output", "The items with prediction and true_false added (JSONL).", "FILE");
    private readonly Argument<string> _benchmark = new("benchmark") { Description = "The benchmark whose rules score the items: mathvista, mathverse, mmmath or dynamath." };
    private readonly ChatEndpointArgs _judge = new("judge-", "the judge that extracts MathVista answers [default: rules]");

    /// <inheritdoc />
    public string Name => "score";

    /// <inheritdoc />
    public string Summary => "Score model outputs on a benchmark (mathvista, mathverse, mmmath, dynamath) with 95% CIs.";

    /// <inheritdoc />
    public string Details =>
        "mathvista: each line a MathVista item (pid, question_type, answer_type, choices, precision, unit, answer, and extraction or " +
        "response); the last line printed is 'accuracy: <fraction>'. Responses without an extraction are extracted by rules, or by the " +
        "judge model when --judge-endpoint is given. mathverse/mmmath: lines with answer and response (mathverse: question_type, choices " +
        "optional); dynamath: lines with seed (or qid), answer, response, answer_type, choices optional.";

    /// <inheritdoc />
    public async Task<int> RunAsync(ParseResult parse, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var benchmark = parse.GetValue(_benchmark)!.ToLowerInvariant();
        var input = parse.GetValue(_input)!;
        var output = parse.GetValue(_output);
        var judge = _judge.TryCreate(parse);
        if (!File.Exists(input)) throw new CliUsageException($"input file '{input}' not found.");
        if (output is not null) VisionR1.IO.AtomicFile.RemoveOrphans(output); // left by a killed earlier run
        IAnswerExtractor? extractor = judge is { } j ? new ChatJudgeAnswerExtractor(j.Client, j.Model) : null;
        BenchmarkReport report;
        try
        {
            report = benchmark switch
            {
                "mathvista" => await new MathVistaScorer(extractor).ScoreFileAsync(input, output, cancellationToken: cancellationToken).ConfigureAwait(false),
                "mathverse" => await BenchmarkFiles.ScoreMathVerseAsync(input, output, cancellationToken, extractor).ConfigureAwait(false),
                "mmmath" or "mm-math" => await BenchmarkFiles.ScoreMmMathAsync(input, output, cancellationToken).ConfigureAwait(false),
                "dynamath" => await BenchmarkFiles.ScoreDynaMathAsync(input, output, cancellationToken).ConfigureAwait(false),
                _ => throw new CliUsageException($"unknown benchmark '{benchmark}'."),
            };
        }
        catch (DataFormatException e)
        {
            stderr.WriteLine($"vr1 score: {e.Message}");
            return 1;
        }
        stdout.Write(report.ToText());
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"accuracy: {report.Overall.Accuracy:R}"));
        return 0;
    }
}
