using System.Globalization;
using System.Text.Json;
using VisionR1.IO;

namespace VisionR1.Recipe;

/// <summary>
/// The sizes a run will use and the wall time predicted for them (see <see cref="RunBudget"/>), saved in the run's folder
/// so that a resumed run keeps its sizes.
/// </summary>
/// <param name="Level">Index of the chosen rung of the ladder: 0 for the full sizes, each further one a further reduction.</param>
/// <param name="Reductions">What the chosen rung changed, in words ("" at level 0).</param>
/// <param name="Dtype">The precision the probe and the run use ("fp32" or "bf16").</param>
/// <param name="ProbeStepSeconds">The probe's measurement: seconds of one reference-shaped step on this machine.</param>
/// <param name="BudgetSeconds">The wall-time budget the sizes were fitted to (0: none).</param>
/// <param name="PredictedSeconds">Predicted seconds of each part of the run, in the order the run does them.</param>
public sealed record RunPlan(int Level, string Reductions, string Dtype, double ProbeStepSeconds, double BudgetSeconds,
    IReadOnlyDictionary<string, double> PredictedSeconds)
{
    /// <summary>The name of the plan file in the run folder.</summary>
    public const string FileName = "plan.json";

    /// <summary>The predicted wall time of the whole run.</summary>
    public double PredictedTotalSeconds => PredictedSeconds.Values.Sum();

    /// <summary>What a run at reduced sizes (<see cref="Level"/> above 0) must be read with; null at the default sizes.</summary>
    public string? ReducedSizesNote => Level == 0 ? null
        : "reduced sizes: the run is shorter than the recipe's and is not expected to reproduce the paper's ordering (Vision-R1 above CI above the base)";

    /// <summary>The prediction against <paramref name="measuredSeconds"/> (seconds per part, in the plan's part names), part by part and in total, for the end of the run.</summary>
    public string Compare(IReadOnlyDictionary<string, double> measuredSeconds)
    {
        ArgumentNullException.ThrowIfNull(measuredSeconds);
        var parts = PredictedSeconds.Keys.Union(measuredSeconds.Keys, StringComparer.Ordinal)
            .Select(k => FormattableString.Invariant($"{k} {PredictedSeconds.GetValueOrDefault(k):F0}/{measuredSeconds.GetValueOrDefault(k):F0}"));
        double measured = measuredSeconds.Values.Sum();
        return FormattableString.Invariant($"plan predicted/measured s: {string.Join(", ", parts)}; total {PredictedTotalSeconds:F0}/{measured:F0} ({measured / PredictedTotalSeconds:F2}x the prediction)");
    }

    /// <summary>One paragraph for the start of the run.</summary>
    public string Describe()
    {
        var parts = string.Join(", ", PredictedSeconds.Select(kv => FormattableString.Invariant($"{kv.Key} {kv.Value:F0} s")));
        var total = PlainProgress.Format(TimeSpan.FromSeconds(PredictedTotalSeconds));
        var budget = BudgetSeconds > 0 ? FormattableString.Invariant($" for a budget of {BudgetSeconds / 60:F0} min") : ", no budget";
        var sizes = Level == 0 ? "; default sizes" : FormattableString.Invariant($"; sizes reduced to fit (level {Level}: {Reductions}). Warning, {ReducedSizesNote}");
        var over = BudgetSeconds > 0 && PredictedTotalSeconds > BudgetSeconds ? "; the smallest sizes still exceed the budget" : "";
        return string.Create(CultureInfo.InvariantCulture, $"plan: {Dtype}, probe step {ProbeStepSeconds:F3} s; predicted {total} ({parts}){budget}{sizes}{over}");
    }
}

/// <summary>
/// Fits a run to a wall-time budget: a short probe measures this machine, a cost model predicts every part of the run from
/// that one number, and the first rung of a ladder of ever smaller sizes whose prediction fits is chosen. The plan is saved
/// in the run folder; a resumed run reuses it instead of probing again, so its sizes never change mid-run.
/// </summary>
public static class RunBudget
{
    /// <summary>The first rung of <paramref name="ladder"/> predicted within <paramref name="budgetSeconds"/> (the last rung if none is; rung 0 without a budget).</summary>
    /// <typeparam name="TOptions">The run's settings.</typeparam>
    /// <param name="ladder">The full sizes first, then each reduction with its description.</param>
    /// <param name="predict">Predicted seconds of each part of a run with the given sizes and probe measurement.</param>
    /// <param name="probeStepSeconds">The probe's measurement.</param>
    /// <param name="budgetSeconds">The budget; 0 or less for none.</param>
    /// <param name="dtype">The precision, recorded in the plan.</param>
    public static (TOptions Options, RunPlan Plan) Fit<TOptions>(IReadOnlyList<(TOptions Options, string Reductions)> ladder,
        Func<TOptions, double, IReadOnlyDictionary<string, double>> predict, double probeStepSeconds, double budgetSeconds, string dtype)
    {
        ArgumentNullException.ThrowIfNull(ladder);
        ArgumentNullException.ThrowIfNull(predict);
        if (ladder.Count == 0) throw new ArgumentException("The ladder needs at least the full sizes.", nameof(ladder));
        for (int level = 0; ; level++)
        {
            var predicted = predict(ladder[level].Options, probeStepSeconds);
            if (budgetSeconds <= 0 || predicted.Values.Sum() <= budgetSeconds || level == ladder.Count - 1)
                return (ladder[level].Options, new RunPlan(level, ladder[level].Reductions, dtype, probeStepSeconds, budgetSeconds, predicted));
        }
    }

    /// <summary>
    /// The plan of the run in <paramref name="runDirectory"/>: the one saved there by an earlier start, else a new one fitted
    /// from a call of <paramref name="probe"/>, saved atomically. Returns the sized options and whether the plan was reused.
    /// </summary>
    /// <exception cref="InvalidDataException">The saved plan is empty or names a rung the ladder does not have.</exception>
    public static (TOptions Options, RunPlan Plan, bool Reused) Resolve<TOptions>(IReadOnlyList<(TOptions Options, string Reductions)> ladder,
        Func<TOptions, double, IReadOnlyDictionary<string, double>> predict, string runDirectory, double budgetSeconds, string dtype, Func<double> probe)
    {
        ArgumentNullException.ThrowIfNull(ladder);
        ArgumentNullException.ThrowIfNull(probe);
        var path = Path.Combine(runDirectory, RunPlan.FileName);
        if (File.Exists(path))
        {
            var saved = JsonSerializer.Deserialize<RunPlan>(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path}: empty plan.");
            if (saved.Level < 0 || saved.Level >= ladder.Count)
                throw new InvalidDataException($"{path}: level {saved.Level} is not between 0 and {ladder.Count - 1}.");
            return (ladder[saved.Level].Options, saved, true);
        }
        var (sized, plan) = Fit(ladder, predict, probe(), budgetSeconds, dtype);
        Directory.CreateDirectory(runDirectory);
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(plan, new JsonSerializerOptions { WriteIndented = true }));
        return (sized, plan, false);
    }
}
