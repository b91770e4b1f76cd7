namespace VisionR1.Data.Synthetic;

/// <summary>Draws <see cref="BarChartScene"/>s and questions that read, compare and add bar values.</summary>
internal static class BarsFamily
{
    private static readonly string[] Labels = ["A", "B", "C", "D"];

    public static TaskDraft Draw(WorldRandom rng, SyntheticDifficulty d)
    {
        int n = rng.Between(d.MinBars, d.MaxBars);
        var colors = rng.Shuffled(Enum.GetValues<SceneColor>()).Take(n).ToList();
        var bars = Enumerable.Range(0, n).Select(i => new SceneBar(Labels[i], rng.Between(1, d.MaxBarValue), colors[i])).ToList();
        var scene = new BarChartScene(bars, d.MaxBarValue);
        foreach (var build in rng.Shuffled(Builders))
            if (build(rng, scene) is { } draft) return draft;
        throw new InvalidOperationException("No bar-chart question applies to the scene.");
    }

    private static IReadOnlyList<SceneFact> All(BarChartScene s) => s.BasicFacts();

    private static readonly Func<WorldRandom, BarChartScene, TaskDraft?>[] Builders =
    [
        (rng, s) =>
        {
            int i = rng.Next(s.Bars.Count);
            string l = s.Bars[i].Label;
            var q = rng.Pick([$"What is the value of bar {l}?", $"How tall is bar {l}?", $"Read the value of bar {l}."]);
            return new(s, new("bar_value", TaskFormula.Value, [s.BarFact(i)]), q);
        },
        (rng, s) =>
        {
            var q = rng.Pick(["What is the value of the tallest bar?", "What is the largest value in the chart?"]);
            return new(s, new("bar_max", TaskFormula.Max, All(s)), q);
        },
        (rng, s) =>
        {
            var two = rng.Shuffled(Enumerable.Range(0, s.Bars.Count)).Take(2).Order().ToList();
            string l1 = s.Bars[two[0]].Label, l2 = s.Bars[two[1]].Label;
            var q = rng.Pick([$"What is the sum of bars {l1} and {l2}?", $"What do bars {l1} and {l2} add up to?"]);
            return new(s, new("bar_sum", TaskFormula.Sum, [s.BarFact(two[0]), s.BarFact(two[1])]), q);
        },
        (rng, s) =>
        {
            var pairs = (from a in Enumerable.Range(0, s.Bars.Count) from b in Enumerable.Range(0, s.Bars.Count)
                         where s.Bars[a].Value > s.Bars[b].Value select (a, b)).ToList();
            if (pairs.Count == 0) return null;
            var (hi, lo) = rng.Pick(pairs);
            string l1 = s.Bars[hi].Label, l2 = s.Bars[lo].Label;
            var q = rng.Pick([$"How much taller is bar {l1} than bar {l2}?", $"What is bar {l1} minus bar {l2}?"]);
            return new(s, new("bar_difference", TaskFormula.Difference, [s.BarFact(hi), s.BarFact(lo)]), q);
        },
        (rng, s) =>
        {
            if (SyntheticTask.UniqueArgMax(s.Bars.Select(b => b.Value).ToList()) < 0) return null;
            var options = s.Bars.Select(b => b.Label).ToList();
            var q = rng.Pick(["Which bar is the tallest?", "Which bar has the largest value?"]) + " Options: " + string.Join(", ", options) + ".";
            return new(s, new("bar_tallest", TaskFormula.ArgMax, All(s), options), q);
        },
        (rng, s) =>
        {
            var q = rng.Pick(["What is the difference between the tallest and the shortest bar?", "By how much does the tallest bar exceed the shortest bar?"]);
            return new(s, new("bar_range", TaskFormula.MaxMinusMin, All(s)), q);
        },
        (rng, s) =>
        {
            var q = rng.Pick(["What is the total of all the bars?", "What is the sum of all the bar values?"]);
            return new(s, new("bar_total", TaskFormula.Sum, All(s)), q);
        },
    ];
}
