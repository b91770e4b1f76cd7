using System.Globalization;
using System.Text.RegularExpressions;
using VisionR1.Data.Synthetic;

namespace VisionR1.Tests.Synthetic;

/// <summary>Recomputes every answer from the scene and the question's words, independently of the generator's task data.</summary>
public sealed class SyntheticAnswerTests(WorldFixture world) : IClassFixture<WorldFixture>
{
    private static readonly string[] ColorWords = ["red", "green", "blue", "yellow"];
    private static readonly string[] KindWords = ["circle", "square", "triangle"];

    private static List<string> Mentioned(string question, string[] words) =>
        words.Select(w => (w, at: Regex.Match(question, $@"\b{w}s?\b").Index, ok: Regex.IsMatch(question, $@"\b{w}s?\b")))
            .Where(x => x.ok).OrderBy(x => x.at).Select(x => x.w).ToList();

    private static int Count(ShapesScene s, string? color, string? kind) =>
        s.Shapes.Count(x => (color is null || ScenePalette.Name(x.Color) == color) && (kind is null || ScenePalette.Name(x.Kind) == kind));

    private static string Oracle(SyntheticItem item)
    {
        string q = item.Question;
        string N(int v) => v.ToString(CultureInfo.InvariantCulture);
        switch (item.Scene)
        {
            case ShapesScene s:
            {
                var colors = Mentioned(q, ColorWords);
                var kinds = Mentioned(q, KindWords);
                return item.Task.Kind switch
                {
                    "count_color_kind" => N(Count(s, colors.Single(), kinds.Single())),
                    "count_kind" => N(Count(s, null, kinds.Single())),
                    "count_color" => N(Count(s, colors.Single(), null)),
                    "count_all" => N(s.Shapes.Count),
                    "more_kind" => N(Count(s, null, kinds[0]) - Count(s, null, kinds[1])),
                    "sum_kinds" => N(Count(s, null, kinds[0]) + Count(s, null, kinds[1])),
                    "remove_color" => N(s.Shapes.Count - Count(s, colors.Single(), null)),
                    "most_color" => s.Shapes.GroupBy(x => x.Color).OrderByDescending(g => g.Count()).First().Key.ToString().ToLowerInvariant(),
                    _ => throw new InvalidOperationException(item.Task.Kind),
                };
            }
            case BarChartScene b:
            {
                var labels = Regex.Matches(q, @"\bbars? ([A-D])\b|\band ([A-D])\b").Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value).ToList();
                int V(string l) => b.Bars.Single(x => x.Label == l).Value;
                var values = b.Bars.Select(x => x.Value).ToList();
                return item.Task.Kind switch
                {
                    "bar_value" => N(V(labels.Single())),
                    "bar_max" => N(values.Max()),
                    "bar_sum" => N(V(labels[0]) + V(labels[1])),
                    "bar_difference" => N(V(labels[0]) - V(labels[1])),
                    "bar_tallest" => b.Bars.OrderByDescending(x => x.Value).First().Label,
                    "bar_range" => N(values.Max() - values.Min()),
                    "bar_total" => N(values.Sum()),
                    _ => throw new InvalidOperationException(item.Task.Kind),
                };
            }
            case GeometryScene g:
            {
                var v = g.Sides;
                return item.Task.Kind switch
                {
                    "rect_side" => N(Regex.IsMatch(q, @"\b(width|wide)\b") ? v[0] : v[1]),
                    "tri_side" => N(v[0]),
                    "rect_perimeter" => N(2 * v[0] + 2 * v[1]),
                    "rect_area" => N(v[0] * v[1]),
                    "rect_side_difference" => N(Math.Abs(v[0] - v[1])),
                    "tri_perimeter" => N(v.Sum()),
                    "tri_longest" => N(v.Max()),
                    "tri_side_range" => N(v.Max() - v.Min()),
                    _ => throw new InvalidOperationException(item.Task.Kind),
                };
            }
            default:
                throw new InvalidOperationException(item.Scene.GetType().Name);
        }
    }

    [Theory]
    [InlineData("shapes")]
    [InlineData("bars")]
    [InlineData("geometry")]
    public void EveryAnswerFollowsFromTheSceneAndTheQuestion(string family)
    {
        var items = world.Train.Concat(world.Test).Where(p => p.Metadata!["family"] == family).Select(SyntheticItem.FromProblem).ToList();
        Assert.True(items.Count >= 300);
        foreach (var item in items)
            Assert.True(Oracle(item) == item.Answer, $"{item.Id}: '{item.Question}' answered {item.Answer}, scene says {Oracle(item)}");
    }

    [Fact]
    public void DifferenceAndComparisonQuestionsAreWellPosed()
    {
        foreach (var item in world.Train.Select(SyntheticItem.FromProblem))
        {
            var values = item.Task.Facts.Select(f => f.Value).ToList();
            if (item.Task.Formula == TaskFormula.Difference) Assert.True(values[0] >= values[1], item.Id);
            if (item.Task.Formula == TaskFormula.ArgMax) Assert.True(SyntheticTask.UniqueArgMax(values) >= 0, item.Id);
            if (item.Task.Kind == "more_kind") Assert.True(values[0] > values[1], item.Id);
        }
    }

    [Fact]
    public void CaptionsAndDescriptionsStateTheNeededFactsInParsableForm()
    {
        foreach (var item in world.Train.Take(120).Select(SyntheticItem.FromProblem))
        {
            var description = item.Description();
            foreach (var f in item.Task.Facts)
                Assert.Equal(f.Value, FactText.TryParse(description, f.Kind, f.Subject));
            foreach (var f in item.Scene.BasicFacts())
                Assert.Equal(f.Value, FactText.TryParse(item.Caption, f.Kind, f.Subject));
        }
    }

    [Fact]
    public void FactParsingDoesNotConfuseAGroupWithItsTotal()
    {
        const string text = "There are 3 red circles. There is 1 blue circle. In all, there are 4 circles.";
        Assert.Equal(3, FactText.TryParse(text, FactKind.Count, "red circles"));
        Assert.Equal(1, FactText.TryParse(text, FactKind.Count, "blue circles"));
        Assert.Equal(4, FactText.TryParse(text, FactKind.Count, "circles"));
        Assert.Null(FactText.TryParse(text, FactKind.Count, "squares"));
        Assert.Equal(5, FactText.TryParse("Bar B has a value of 5.", FactKind.BarValue, "bar B"));
        Assert.Equal(4, FactText.TryParse("From the labels, the left side is 4.", FactKind.Length, "left side"));
        Assert.Null(FactText.TryParse("The side is 4.", FactKind.Length, "left side"));
    }
}
