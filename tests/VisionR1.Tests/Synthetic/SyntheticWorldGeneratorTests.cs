using System.Security.Cryptography;
using VisionR1.Data.Records;
using VisionR1.Problems;
using VisionR1.Data.Synthetic;

namespace VisionR1.Tests.Synthetic;

public sealed class SyntheticWorldGeneratorTests(WorldFixture world) : IClassFixture<WorldFixture>
{
    private static string Hash(byte[] bytes) => Convert.ToHexString(SHA256.HashData(bytes));

    [Fact]
    public void SameSeedGivesIdenticalItemsAndImageBytes()
    {
        var options = new SyntheticWorldOptions { Seed = 3, ImageSize = 112 };
        var a = new SyntheticWorldGenerator(options).Generate(SyntheticSplit.Train, 30).ToList();
        var b = new SyntheticWorldGenerator(options).Generate(SyntheticSplit.Train, 30).ToList();
        Assert.Equal(a.Select(p => p.Id), b.Select(p => p.Id));
        Assert.Equal(a.Select(p => p.Question), b.Select(p => p.Question));
        Assert.Equal(a.Select(p => p.Answer), b.Select(p => p.Answer));
        Assert.Equal(a.Select(p => Hash(p.Images[0].Bytes!)), b.Select(p => Hash(p.Images[0].Bytes!)));
        Assert.Equal(a.Select(p => p.Metadata!["scene"]), b.Select(p => p.Metadata!["scene"]));
    }

    [Fact]
    public void DifferentSeedsGiveDifferentWorlds()
    {
        var a = new SyntheticWorldGenerator(new SyntheticWorldOptions { Seed = 1 }).Generate(SyntheticSplit.Train, 20).Select(p => p.Metadata!["scene"]).ToList();
        var b = new SyntheticWorldGenerator(new SyntheticWorldOptions { Seed = 2 }).Generate(SyntheticSplit.Train, 20).Select(p => p.Metadata!["scene"]).ToList();
        Assert.True(a.Zip(b).Count(x => x.First != x.Second) >= 18);
    }

    [Fact]
    public void ASmallerRequestIsAPrefixOfALargerOne()
    {
        var world = new SyntheticWorldGenerator(new SyntheticWorldOptions { Seed = 7, ImageSize = 112 });
        // 100 items span two render batches; 25 ends inside the first.
        var large = world.Generate(SyntheticSplit.Test, 100).ToList();
        var small = world.Generate(SyntheticSplit.Test, 25).ToList();
        Assert.Equal(small.Select(p => p.Id + p.Question + p.Metadata!["scene"]), large.Take(25).Select(p => p.Id + p.Question + p.Metadata!["scene"]));
        Assert.Equal(small.Select(p => Hash(p.Images[0].Bytes!)), large.Take(25).Select(p => Hash(p.Images[0].Bytes!)));
    }

    [Fact]
    public void TrainAndTestShareNoImageQuestionPairAndNoId()
    {
        var train = world.Train.Select(p => Hash(p.Images[0].Bytes!) + "|" + p.Question).ToHashSet();
        var test = world.Test.Select(p => Hash(p.Images[0].Bytes!) + "|" + p.Question).ToHashSet();
        Assert.Empty(train.Intersect(test));
        Assert.Empty(world.Train.Select(p => p.Id).Intersect(world.Test.Select(p => p.Id)));
        // Each split's items are assigned to it by content.
        Assert.All(world.Train, p => Assert.Equal(SyntheticSplit.Train, SyntheticWorldGenerator.SplitOf(SyntheticItem.FromProblem(p).Scene, p.Question)));
        Assert.All(world.Test, p => Assert.Equal(SyntheticSplit.Test, SyntheticWorldGenerator.SplitOf(SyntheticItem.FromProblem(p).Scene, p.Question)));
        // And no pair is repeated inside a split of this size.
        Assert.Equal(world.Test.Count, test.Count);
    }

    [Fact]
    public void SplitsStayDisjointAcrossDifferentSeeds()
    {
        var trainA = new SyntheticWorldGenerator(new SyntheticWorldOptions { Seed = 11, Difficulty = SyntheticDifficulty.Easy, Families = [WorldFamily.Geometry] })
            .Generate(SyntheticSplit.Train, 150).Select(p => p.Metadata!["scene"] + p.Question).ToHashSet();
        var testB = new SyntheticWorldGenerator(new SyntheticWorldOptions { Seed = 12, Difficulty = SyntheticDifficulty.Easy, Families = [WorldFamily.Geometry] })
            .Generate(SyntheticSplit.Test, 150).Select(p => p.Metadata!["scene"] + p.Question).ToHashSet();
        Assert.Empty(trainA.Intersect(testB));
    }

    [Fact]
    public void FamiliesRotateAndEveryItemCarriesItsFactsAndMetadata()
    {
        Assert.Equal(["shapes", "bars", "geometry", "shapes"], world.Train.Take(4).Select(p => p.Metadata!["family"]));
        foreach (var p in world.Train.Take(60))
        {
            Assert.Single(p.Images);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], p.Images[0].Bytes![..4]);
            Assert.Contains(p.Metadata!["difficulty"], new[] { "easy", "medium", "hard" });
            Assert.Equal("train", p.Metadata["split"]);
            Assert.Equal("7", p.Metadata["seed"]);
            var item = SyntheticItem.FromProblem(p);
            Assert.Equal(p.Answer, item.Task.Answer);
            Assert.Equal(p.Metadata["caption"], item.Caption);
            Assert.StartsWith("world-train-s7-", p.Id);
        }
    }

    [Fact]
    public void MultipleChoiceItemsListTheirOptionsAndAnswerWithOneOfThem()
    {
        var mc = world.Train.Concat(world.Test).Where(p => p.AnswerType == AnswerType.MultipleChoice).ToList();
        Assert.True(mc.Count >= 20, $"only {mc.Count} multiple-choice items");
        foreach (var p in mc)
        {
            Assert.NotNull(p.Choices);
            Assert.Contains(p.Answer, p.Choices!);
            Assert.Contains("Options: " + string.Join(", ", p.Choices!), p.Question);
        }
        Assert.All(world.Train.Where(p => p.AnswerType == AnswerType.Integer), p => Assert.True(int.TryParse(p.Answer, out var v) && v >= 0 && v <= 99, p.Answer));
    }

    [Fact]
    public void AllDifficultiesAndEveryTaskKindOccur()
    {
        var items = world.Train.Select(SyntheticItem.FromProblem).ToList();
        Assert.Equal(["easy", "hard", "medium"], items.Select(i => i.Task.Difficulty).Distinct().Order());
        var kinds = items.Select(i => i.Task.Kind).ToHashSet();
        foreach (var k in new[] { "count_color_kind", "count_kind", "count_color", "count_all", "more_kind", "sum_kinds", "remove_color", "most_color",
                     "bar_value", "bar_max", "bar_sum", "bar_difference", "bar_tallest", "bar_range", "bar_total",
                     "rect_side", "rect_perimeter", "rect_area", "rect_side_difference", "tri_side", "tri_perimeter", "tri_longest", "tri_side_range" })
            Assert.Contains(k, kinds);
        // The question phrasings vary.
        Assert.True(items.Where(i => i.Task.Kind == "bar_value").Select(i => i.Question.Split(' ')[0]).Distinct().Count() >= 2);
    }

    [Fact]
    public void DifficultyKnobsBoundCountsAndValues()
    {
        var easy = new SyntheticWorldGenerator(new SyntheticWorldOptions { Seed = 5, Difficulty = SyntheticDifficulty.Easy })
            .Generate(SyntheticSplit.Train, 90).Select(SyntheticItem.FromProblem).ToList();
        Assert.All(easy.Select(i => i.Scene).OfType<ShapesScene>(), s => Assert.InRange(s.Shapes.Count, 2, 5));
        Assert.All(easy.Select(i => i.Scene).OfType<ShapesScene>(), s => Assert.InRange(s.Shapes.Select(x => x.Color).Distinct().Count(), 1, 2));
        Assert.All(easy.Select(i => i.Scene).OfType<BarChartScene>(), s => Assert.True(s.Bars.Count <= 3 && s.Bars.All(b => b.Value is >= 1 and <= 5) && s.AxisMax == 5));
        Assert.All(easy.Select(i => i.Scene).OfType<GeometryScene>(), s => Assert.All(s.Sides, v => Assert.InRange(v, 2, 4)));
        var hard = new SyntheticWorldGenerator(new SyntheticWorldOptions { Seed = 5, Difficulty = SyntheticDifficulty.Hard, Families = [WorldFamily.Shapes] })
            .Generate(SyntheticSplit.Train, 60).Select(i => ((ShapesScene)SyntheticItem.FromProblem(i).Scene).Shapes.Count).ToList();
        Assert.True(hard.Max() > 7);
    }

    [Fact]
    public void BadOptionsAreRejectedByName()
    {
        Assert.Contains("MaxShapes", Assert.Throws<ArgumentException>(() => new SyntheticWorldGenerator(new SyntheticWorldOptions { Difficulty = new SyntheticDifficulty { MaxShapes = 20 } })).Message);
        Assert.Contains("ImageSize", Assert.Throws<ArgumentException>(() => new SyntheticWorldGenerator(new SyntheticWorldOptions { ImageSize = 10 })).Message);
        Assert.Contains("Families", Assert.Throws<ArgumentException>(() => new SyntheticWorldGenerator(new SyntheticWorldOptions { Families = [] })).Message);
        var broken = world.Train[0] with { Metadata = new Dictionary<string, string> { ["scene"] = "{not json", ["task"] = "{}" } };
        var e = Assert.Throws<FormatException>(() => SyntheticItem.FromProblem(broken));
        Assert.Contains(broken.Id, e.Message);
        Assert.Contains("scene", e.Message);
    }
}
