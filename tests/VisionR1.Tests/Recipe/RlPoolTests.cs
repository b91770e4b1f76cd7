using VisionR1.Data.Synthetic;
using VisionR1.Problems;
using VisionR1.Recipe;

namespace VisionR1.Tests.Recipe;

/// <summary>The recipe's split of the training problems into the cold-start pool and the GRPO prompt pool (<see cref="RecipeOptions.RlMinReasoningSteps"/>).</summary>
public sealed class RlPoolTests
{
    private static MathProblem Problem(int i, string? steps) => new($"p{i}", [], $"q{i}", "1",
        Metadata: steps is null ? null : new Dictionary<string, string> { [SyntheticMetadataKeys.Steps] = steps });

    private static readonly IReadOnlyList<MathProblem> Train =
        [Problem(0, "2"), Problem(1, "3"), Problem(2, "1"), Problem(3, "2"), Problem(4, "1"), Problem(5, "3"), Problem(6, null), Problem(7, "x")];

    [Fact]
    public void The_pool_is_what_the_cold_start_left_and_min_steps_keeps_the_problems_that_combine_facts()
    {
        Assert.Equal(["p2", "p3", "p4", "p5", "p6", "p7"], VisionR1Recipe.RlPool(Train, 2, 1, 2).Select(p => p.Id));
        // Steps ≥ 2 among the rest; unknown or unreadable step counts are left out.
        Assert.Equal(["p3", "p5"], VisionR1Recipe.RlPool(Train, 2, 2, 2).Select(p => p.Id));
        Assert.Equal(["p5"], VisionR1Recipe.RlPool(Train, 2, 3, 1).Select(p => p.Id));
    }

    [Fact]
    public void Too_few_problems_with_enough_steps_for_one_step_keep_the_whole_pool_and_no_leftover_means_all()
    {
        Assert.Equal(6, VisionR1Recipe.RlPool(Train, 2, 2, 3).Count);
        Assert.Equal(Train.Count, VisionR1Recipe.RlPool(Train, Train.Count, 1, 2).Count);
    }

    [Fact]
    public void The_cold_start_takes_the_first_problems_half_of_them_unless_told()
    {
        Assert.Equal(["p0", "p1", "p2", "p3"], VisionR1Recipe.ColdStartPool(Train, new RecipeOptions()).Select(p => p.Id));
        Assert.Equal(["p0", "p1"], VisionR1Recipe.ColdStartPool(Train, new RecipeOptions { ColdStartItems = 2 }).Select(p => p.Id));
        Assert.Equal(Train.Count, VisionR1Recipe.ColdStartPool(Train, new RecipeOptions { ColdStartItems = 100 }).Count);
    }
}
