using VisionR1.Recipe;

namespace VisionR1.Tests.Recipe;

public sealed class RunBudgetTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-budget-");

    public void Dispose() => _dir.Delete(true);

    // A run of `steps` steps costs one probe step each, plus 10 s.
    private static readonly IReadOnlyList<(int Steps, string Reductions)> Ladder = [(100, ""), (50, "half"), (20, "a fifth")];

    private static IReadOnlyDictionary<string, double> Predict(int steps, double probe) =>
        new Dictionary<string, double> { ["fixed"] = 10, ["train"] = steps * probe };

    [Fact]
    public void Fit_takes_the_first_rung_within_the_budget_and_the_last_when_none_fits()
    {
        Assert.Equal(0, RunBudget.Fit(Ladder, Predict, 1.0, 0, "bf16").Plan.Level);
        Assert.Equal(0, RunBudget.Fit(Ladder, Predict, 1.0, 110, "bf16").Plan.Level);
        var (steps, plan) = RunBudget.Fit(Ladder, Predict, 1.0, 100, "fp32");
        Assert.Equal((50, 1, "half", 60.0), (steps, plan.Level, plan.Reductions, plan.PredictedTotalSeconds));
        Assert.DoesNotContain("exceed", plan.Describe());
        var (_, over) = RunBudget.Fit(Ladder, Predict, 10.0, 100, "fp32");
        Assert.Equal(2, over.Level);
        Assert.Contains("the smallest sizes still exceed the budget", over.Describe());
    }

    [Fact]
    public void Resolve_probes_once_and_a_resumed_run_keeps_its_saved_sizes()
    {
        int probes = 0;
        var first = RunBudget.Resolve(Ladder, Predict, _dir.FullName, 100, "bf16", () => { probes++; return 1.0; });
        Assert.Equal((50, false, 1), (first.Options, first.Reused, probes));
        Assert.True(File.Exists(Path.Combine(_dir.FullName, RunPlan.FileName)));
        // A faster machine at resume would fit the full sizes, but the run keeps the sizes it started with.
        var again = RunBudget.Resolve(Ladder, Predict, _dir.FullName, 100, "bf16", () => { probes++; return 0.1; });
        Assert.Equal((50, true, 1), (again.Options, again.Reused, probes));
        Assert.Equal(first.Plan.PredictedSeconds, again.Plan.PredictedSeconds);

        File.WriteAllText(Path.Combine(_dir.FullName, RunPlan.FileName), """{"Level":7,"Reductions":"","Dtype":"bf16","ProbeStepSeconds":1,"BudgetSeconds":0,"PredictedSeconds":{}}""");
        var e = Assert.Throws<InvalidDataException>(() => RunBudget.Resolve(Ladder, Predict, _dir.FullName, 100, "bf16", () => 1.0));
        Assert.Contains("level 7", e.Message);
    }
}
