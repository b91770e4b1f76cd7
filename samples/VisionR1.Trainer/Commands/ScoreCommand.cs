using System.Globalization;
using VisionR1.Data.Benchmarks;
using VisionR1.Data.Readers;
using VisionR1.Trainer.Cli;

namespace VisionR1.Trainer.Commands;

/// <summary>`vr1 score BENCHMARK`: scores a file of model outputs with the benchmark's official rules.</summary>
public sealed class ScoreCommand : ICliCommand
{
    /// <inheritdoc />
    public string Name => "score";

    /// <inheritdoc />
    public string Summary => "Score model outputs on a benchmark (mathvista, mathverse, mmmath, dynamath) with 95% CIs.";

    /// <inheritdoc />
    public string Usage =>
        "vr1 score mathvista --input items.jsonl [--output scored.jsonl] [--judge-endpoint URL --judge-model NAME [--judge-api-key-env VAR]]\n"
        + "vr1 score mathverse|mmmath|dynamath --input items.jsonl [--output scored.jsonl]\n"
        + "  mathvista: each line a MathVista item (pid, question_type, answer_type, choices, precision, unit, answer,\n"
        + "  and extraction or response); the output adds prediction and true_false; the last line printed is 'accuracy: <fraction>'.\n"
        + "  Responses without an extraction are extracted by rules, or by the judge model when --judge-endpoint is given.\n"
        + "  mathverse/mmmath: lines with answer and response (mathverse: question_type, choices optional);\n"
        + "  dynamath: lines with seed (or qid), answer, response, answer_type, choices optional.";

    /// <inheritdoc />
    public async Task<int> RunAsync(CliArgs args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var benchmark = args.Positional.Count == 1 ? args.Positional[0].ToLowerInvariant() : throw new CliUsageException("name one benchmark: mathvista, mathverse, mmmath or dynamath.");
        var input = args.Require("input");
        var output = args.Get("output");
        var judge = ChatEndpointArgs.TryCreate(args, "judge-");
        args.ThrowOnUnknown();
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
