using VisionR1.Data.Filtering;
using VisionR1.Problems;

namespace VisionR1.Tests.Data;

public sealed class FilteredSamplesTests
{
    [Fact]
    public async Task Cold_start_samples_train_in_the_problems_order_whatever_order_the_construction_finished_in()
    {
        var folder = Path.Combine(Path.GetTempPath(), "vr1-filtered-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            var train = Enumerable.Range(0, 5).Select(i => new MathProblem($"p{i}", [], $"What is {i} + {i}?", (2 * i).ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();
            // As concurrent teacher requests finish: p3 first, p0 last, p2 filtered out.
            var lines = new[] { 3, 1, 4, 0 }.Select(i =>
                $$"""{"id":"p{{i}}","conversations":[{"from":"human","value":"What is {{i}} + {{i}}?"},{"from":"gpt","value":"<think>\n{{i}} + {{i}} = {{2 * i}}\n</think>\n<answer>{{2 * i}}</answer>"}]}""");
            var path = Path.Combine(folder, "filtered.jsonl");
            await File.WriteAllLinesAsync(path, lines);

            var samples = await FilteredSamples.ReadAsync(path, train, CancellationToken.None);
            Assert.Equal(["p0", "p1", "p3", "p4"], samples.Select(s => s.Problem!.Id));
            Assert.Equal("<think>\n3 + 3 = 6\n</think>\n<answer>6</answer>", samples[2].Response);
            Assert.Same(train[4], samples[3].Problem);
            Assert.Equal(train[1].PromptText(), samples[1].Prompt);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
