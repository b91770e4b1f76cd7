using System.Globalization;
using System.Text.RegularExpressions;
using VisionR1.Answers;
using VisionR1.Answers.Math;
using VisionR1.Problems;

namespace VisionR1.Data.Benchmarks;

/// <summary>One DynaMath variant to judge.</summary>
/// <param name="Seed">The seed question the variant was generated from (worst-case accuracy groups by it).</param>
/// <param name="AnswerType"><see cref="AnswerTypeNames.Float"/>, <see cref="AnswerTypeNames.MultipleChoiceWords"/> or free-form text (any spelling <see cref="AnswerTypeNames.TryParse"/> reads).</param>
/// <param name="Gold">The ground truth.</param>
/// <param name="Response">The model's response.</param>
public sealed record DynaMathItem(string Seed, string AnswerType, string Gold, string Response);

/// <summary>DynaMath's two numbers: accuracy over all variants and the fraction of seeds whose every variant is right.</summary>
/// <param name="Average">Average accuracy over variants, with breakdowns.</param>
/// <param name="WorstCase">Worst-case accuracy over seeds.</param>
public sealed record DynaMathReport(BenchmarkReport Average, AccuracyEstimate WorstCase);

/// <summary>
/// DynaMath's rules: a float answer is right within 1e-3 (absolute) of the gold; a multiple-choice answer is the
/// single option letter; a free-form answer is right when the gold appears in it (case-insensitive substring).
/// The answer is taken from the response's answer-tag/<c>\boxed{}</c>/"answer is" span when present.
/// </summary>
public sealed partial class DynaMathScorer
{
    /// <summary>Float tolerance (DynaMath: 1e-3).</summary>
    public double Tolerance { get; init; } = 1e-3;

    /// <summary>Whether one variant is answered correctly.</summary>
    public bool IsCorrect(DynaMathItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var span = AnswerExtractor.MarkedAnswer(item.Response, out _);
        var type = AnswerTypeNames.TryParse(item.AnswerType, out var known) ? known : AnswerType.Text;
        if (type == AnswerType.Float)
        {
            var n = PythonNumbers.TryParseFloat(span, out var v) ? v
                : MathExpression.TryEvaluate(span) ?? (AnswerExtractor.LastNumberValue(span) is { } last && PythonNumbers.TryParseFloat(last, out var l) ? l : double.NaN);
            return PythonNumbers.TryParseFloat(item.Gold, out var g) && Math.Abs(n - g) <= Tolerance;
        }
        if (type == AnswerType.MultipleChoice)
        {
            var m = Letter().Match(span);
            return m.Success && string.Equals(m.Groups[1].Value, item.Gold.Trim().Trim('(', ')', '.'), StringComparison.OrdinalIgnoreCase);
        }
        return span.Contains(item.Gold.Trim(), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Scores all variants: average accuracy (broken down by answer type) and worst-case accuracy over seeds.</summary>
    public DynaMathReport Score(IEnumerable<DynaMathItem> items, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(items);
        var tally = new AccuracyTally();
        var seeds = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            bool ok = IsCorrect(item);
            tally.Add(ok, [new("answer_type", item.AnswerType)]);
            seeds[item.Seed] = (!seeds.TryGetValue(item.Seed, out var all) || all) && ok;
        }
        long worst = seeds.Values.LongCount(v => v);
        return new DynaMathReport(tally.ToReport("DynaMath", confidence), AccuracyEstimate.FromCounts(worst, seeds.Count, confidence));
    }

    [GeneratedRegex(@"^\(?([A-Za-z])\)?(?:[.:)]|\s|$)")]
    private static partial Regex Letter();

    /// <summary>Formats the two accuracies as one line.</summary>
    public static string Summary(DynaMathReport report) =>
        string.Create(CultureInfo.InvariantCulture, $"average {report.Average.Overall}; worst-case {report.WorstCase}");
}
