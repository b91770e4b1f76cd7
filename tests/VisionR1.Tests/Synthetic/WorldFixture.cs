using VisionR1.Data.Records;
using VisionR1.Problems;
using VisionR1.Data.Synthetic;

namespace VisionR1.Tests.Synthetic;

/// <summary>Shared small worlds, generated once per test class that asks for them.</summary>
public sealed class WorldFixture
{
    public WorldFixture()
    {
        var world = new SyntheticWorldGenerator(new SyntheticWorldOptions { Seed = 7, ImageSize = 112 });
        Train = world.Generate(SyntheticSplit.Train, 600).ToList();
        Test = world.Generate(SyntheticSplit.Test, 600).ToList();
    }

    public IReadOnlyList<MathProblem> Train { get; }

    public IReadOnlyList<MathProblem> Test { get; }
}
