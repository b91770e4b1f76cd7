using System.Globalization;
using System.Text.RegularExpressions;
using VisionR1.Answers;
using VisionR1.Data.Benchmarks;
using VisionR1.Data.Synthetic;
using VisionR1.Problems;

namespace VisionR1.Tests.Synthetic;

/// <summary>
/// The world's reasoning split, the canonical arithmetic the teacher writes and the base practises, the worked solutions
/// of base pre-training, and the paired statistics the pipeline reports.
/// </summary>
public sealed partial class ReasoningWorldTests
{
    [GeneratedRegex(@"(\d+) ([-+*]) (\d+) = (\d+)")]
    private static partial Regex Equation();

    private static int Apply(int a, string op, int b) => op switch { "+" => a + b, "-" => a - b, _ => a * b };

    private static List<MathProblem> World(int count, double? share, SyntheticSplit split = SyntheticSplit.Test) =>
        new SyntheticWorldGenerator(new SyntheticWorldOptions { Seed = 11, ImageSize = 56, Difficulty = SyntheticDifficulty.Easy, MultiStepShare = share })
            .Generate(split, count).ToList();

    [Fact]
    public void Multi_step_share_sets_the_exact_number_of_items_that_combine_facts()
    {
        var natural = World(60, null);
        var steps = natural.Select(p => int.Parse(p.Metadata![SyntheticMetadataKeys.Steps], CultureInfo.InvariantCulture)).ToList();
        Assert.Contains(1, steps);
        Assert.Contains(2, steps);
        Assert.All(natural, p => Assert.Equal(SyntheticItem.FromProblem(p).Task.Steps.ToString(CultureInfo.InvariantCulture), p.Metadata![SyntheticMetadataKeys.Steps]));

        var reasoning = World(60, 0.8);
        Assert.Equal(48, reasoning.Count(p => SyntheticItem.FromProblem(p).Task.Steps >= 2));
        Assert.All(World(30, 1.0), p => Assert.True(SyntheticItem.FromProblem(p).Task.Steps >= 2, p.Question));
        Assert.All(World(30, 0.0), p => Assert.Equal(1, SyntheticItem.FromProblem(p).Task.Steps));
        var e = Assert.Throws<ArgumentException>(() => new SyntheticWorldGenerator(new SyntheticWorldOptions { MultiStepShare = 1.5 }));
        Assert.Contains("MultiStepShare", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Worked_solutions_and_teacher_chains_write_only_right_one_operation_equations()
    {
        var problems = World(90, 0.8, SyntheticSplit.Train);
        int equations = 0, multiOperand = 0;
        foreach (var p in problems)
        {
            var item = SyntheticItem.FromProblem(p);
            var worked = item.WorkedSolution;
            Assert.True(ThinkAnswerFormat.Strict.IsMatch(worked), worked);
            Assert.Equal(p.Answer, ThinkAnswerFormat.Strict.AnswerText(worked));
            // No equation chains several operations in one line ("3 + 4 + 2 = 9"): each is one fact of the table.
            Assert.DoesNotMatch(@"\d+ [-+*] \d+ [-+*]", worked);
            foreach (Match m in Equation().Matches(worked))
            {
                equations++;
                Assert.Equal(int.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture),
                    Apply(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), m.Groups[2].Value, int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture)));
            }
            if (item.Task.Formula == TaskFormula.Sum && item.Task.Facts.Count >= 3)
            {
                multiOperand++;
                Assert.Equal(item.Task.Facts.Count - 1, Equation().Matches(worked).Count);
            }
        }
        Assert.True(equations >= 60, $"{equations} equations");
        Assert.True(multiOperand > 0, "no sum of three or more facts among the items");
    }

    [Fact]
    public void Canonical_practice_is_right_seeded_and_within_the_world_ranges()
    {
        var texts = ArithmeticDrills.Canonical(300, 5, maxValue: 5);
        Assert.Equal(texts.Select(t => t.Response), ArithmeticDrills.Canonical(300, 5, 5).Select(t => t.Response));
        Assert.NotEqual(texts.Select(t => t.Response), ArithmeticDrills.Canonical(300, 6, 5).Select(t => t.Response));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in texts)
        {
            Assert.Empty(t.Images);
            var matches = Equation().Matches(t.Response);
            Assert.Equal(10, matches.Count);
            foreach (Match m in matches)
            {
                int a = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), b = int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
                Assert.Equal(int.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture), Apply(a, m.Groups[2].Value, b));
                Assert.InRange(a, 0, 15);
                Assert.InRange(b, 0, 10);
                Assert.True(m.Groups[2].Value != "-" || b <= a, m.Value);
                seen.Add(m.Value);
            }
        }
        // 3,000 equations cover the table: every sum of two values up to 5 appears.
        for (int a = 0; a <= 5; a++)
            for (int b = 0; b <= 5; b++)
                Assert.Contains($"{a} + {b} = {a + b}", seen);

        var probe = ArithmeticDrills.Probe(50, 5, 5);
        Assert.All(probe, p =>
        {
            var m = Equation().Match(p.Question.Replace("What is ", "", StringComparison.Ordinal).Replace("?", " = " + p.Answer, StringComparison.Ordinal));
            Assert.True(m.Success, p.Question);
            Assert.Equal(int.Parse(p.Answer, CultureInfo.InvariantCulture), Apply(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), m.Groups[2].Value, int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture)));
        });
        Assert.Throws<ArgumentOutOfRangeException>(() => ArithmeticDrills.Canonical(1, 0, maxValue: 10));
    }

    [Fact]
    public void Pretraining_samples_give_the_share_of_worked_solutions_and_the_practice()
    {
        var problems = World(20, null, SyntheticSplit.Train);
        var samples = new SyntheticPretraining("Describe.", p => p.Question + " Short.", p => p.Question) { WorkedShare = 0.25, ArithmeticTexts = 7, Seed = 1 }.Samples(problems);
        Assert.Equal(20, samples.Count(s => s.Prompt == "Describe."));
        Assert.Equal(20, samples.Count(s => s.Prompt.EndsWith(" Short.", StringComparison.Ordinal)));
        var worked = samples.Where(s => s.Response.StartsWith("<think>", StringComparison.Ordinal)).ToList();
        Assert.Equal(5, worked.Count);
        Assert.All(worked, s => Assert.Equal(s.Problem!.Answer, ThinkAnswerFormat.Strict.AnswerText(s.Response)));
        Assert.Equal(7, samples.Count(s => s.Prompt == ArithmeticDrills.PracticePrompt));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SyntheticPretraining("d", p => "", p => "") { WorkedShare = 2 }.Samples(problems));
    }

    [Fact]
    public void Exact_mcnemar_matches_the_binomial_tail_and_pairs_by_id()
    {
        // 2·P(X ≤ 42), X ~ Bin(110, ½) = 0.016745 (computed with exact integers).
        Assert.Equal(0.016745021478233812, PairedComparison.ExactMcNemar(68, 42), 9);
        Assert.Equal(PairedComparison.ExactMcNemar(68, 42), PairedComparison.ExactMcNemar(42, 68), 12);
        Assert.Equal(0.0625, PairedComparison.ExactMcNemar(5, 0), 12);
        Assert.Equal(1, PairedComparison.ExactMcNemar(0, 0));
        Assert.Equal(1, PairedComparison.ExactMcNemar(3, 3));

        var a = new Dictionary<string, bool> { ["x"] = true, ["y"] = true, ["z"] = false, ["only-a"] = true };
        var b = new Dictionary<string, bool> { ["x"] = false, ["y"] = true, ["z"] = true, ["w"] = false };
        var c = PairedComparison.Of(a, b);
        Assert.Equal((3, 1, 1), (c.Items, c.Gained, c.Lost));
        Assert.Throws<ArgumentException>(() => PairedComparison.Of([true], [true, false]));
    }

    [Fact]
    public void Equation_audit_checks_one_operation_equations_only()
    {
        var audit = EquationAudit.Of([
            "<think>bar A is 5 and bar B is 3. 5 + 3 = 8. Let me check: 8 - 3 = 5. Yes.</think>",
            "2 * 2 = 6. 12 - 4 = 8.",
            "3 + 4 + 2 = 9 and 2 * (3 + 4) = 14 are not one-operation equations; 7 * 8 = 56 is.",
        ]);
        Assert.Equal((5, 4), (audit.Equations, audit.Right));
        Assert.Equal(0.8, audit.Rate, 12);
        Assert.Equal(0, EquationAudit.Of(["no arithmetic here", "5"]).Equations);
    }

    [Fact]
    public void Verdicts_are_read_by_id_and_bad_lines_are_named()
    {
        var dir = Directory.CreateTempSubdirectory("vr1-verdicts-");
        try
        {
            var path = Path.Combine(dir.FullName, "predictions.jsonl");
            File.WriteAllLines(path, ["{\"id\":\"p1\",\"correct\":true}", "", "{\"id\":\"p2\",\"correct\":false}"]);
            var verdicts = VerdictBreakdown.ReadVerdicts(path);
            Assert.Equal(2, verdicts.Count);
            var problems = new[]
            {
                new MathProblem("p1", [], "q", "1", Metadata: new Dictionary<string, string> { ["family"] = "bars" }),
                new MathProblem("p2", [], "q", "1", Metadata: new Dictionary<string, string> { ["family"] = "bars" }),
                new MathProblem("p3", [], "q", "1"),
            };
            var rows = VerdictBreakdown.ByMetadata(problems, verdicts, "family");
            var bars = Assert.Single(rows);
            Assert.Equal(("bars", 2, 1), (bars.Group, bars.Items, bars.Correct));

            File.WriteAllLines(path, ["{\"id\":\"p1\",\"correct\":true}", "{\"id\":\"p2\",\"correct\":\"yes\"}"]);
            var e = Assert.Throws<InvalidDataException>(() => VerdictBreakdown.ReadVerdicts(path));
            Assert.Contains("predictions.jsonl:2", e.Message, StringComparison.Ordinal);
            File.WriteAllLines(path, ["{\"id\":\"p1\",\"correct\":true}", "{\"id\":\"p1\",\"correct\":true}"]);
            Assert.Contains("twice", Assert.Throws<InvalidDataException>(() => VerdictBreakdown.ReadVerdicts(path)).Message, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(true);
        }
    }
}
