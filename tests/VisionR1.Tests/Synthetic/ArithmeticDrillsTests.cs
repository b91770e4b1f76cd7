using System.Data;
using System.Globalization;
using System.Text.RegularExpressions;
using VisionR1.Data.Synthetic;

namespace VisionR1.Tests.Synthetic;

/// <summary>The text-only arithmetic exercises of base pre-training.</summary>
public sealed class ArithmeticDrillsTests
{
    [Fact]
    public void Every_exercise_is_right_and_text_only_and_the_list_is_seeded()
    {
        var drills = ArithmeticDrills.Generate(700, 3);
        Assert.Equal(700, drills.Count);
        Assert.Equal(drills.Select(d => d.Response), ArithmeticDrills.Generate(700, 3).Select(d => d.Response));
        Assert.NotEqual(drills.Select(d => d.Response), ArithmeticDrills.Generate(700, 4).Select(d => d.Response));
        Assert.Equal(700, drills.Select(d => d.Problem.Id).Distinct().Count());
        var table = new DataTable();
        int equations = 0;
        foreach (var d in drills)
        {
            Assert.Empty(d.Problem.Images);
            Assert.Equal(d.Prompt, d.Problem.Question);
            // In "a + b = c" and "2 * (a + b) = 2 * s = p" every side has the same value, and the last is the answer.
            if (d.Response.Contains(" = ", StringComparison.Ordinal))
            {
                var sides = d.Response.TrimEnd('.').Split(" = ");
                var values = sides.Select(x => Convert.ToInt32(table.Compute(x, null), CultureInfo.InvariantCulture)).ToList();
                Assert.All(values, v => Assert.Equal(values[^1], v));
                Assert.Equal(d.Problem.Answer, sides[^1]);
                equations++;
            }
            var numbers = Regex.Matches(d.Prompt, @"\d+").Select(m => int.Parse(m.Value, CultureInfo.InvariantCulture)).ToList();
            if (d.Prompt.StartsWith("Which is the largest", StringComparison.Ordinal)) Assert.Equal(numbers.Max().ToString(CultureInfo.InvariantCulture), d.Problem.Answer);
            if (d.Prompt.StartsWith("Which is the smallest", StringComparison.Ordinal)) Assert.Equal(numbers.Min().ToString(CultureInfo.InvariantCulture), d.Problem.Answer);
            if (d.Prompt.StartsWith("Put ", StringComparison.Ordinal)) Assert.Equal(string.Join(", ", numbers.Order()), d.Problem.Answer);
            if (d.Prompt.StartsWith("Count to ", StringComparison.Ordinal)) Assert.Equal(string.Join(", ", Enumerable.Range(1, numbers[0])) + ".", d.Response);
        }
        Assert.True(equations > 350, $"{equations} equations");
        Assert.Throws<ArgumentOutOfRangeException>(() => ArithmeticDrills.Generate(-1, 0));
    }
}
