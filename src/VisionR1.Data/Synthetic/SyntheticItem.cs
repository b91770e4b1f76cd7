using System.Text.Json;
using VisionR1.Data.Records;
using VisionR1.Problems;

namespace VisionR1.Data.Synthetic;

/// <summary>
/// A synthetic problem seen through its ground truth: the scene, the task and the texts built
/// from them (caption, description, direct answer). Read back from any <see cref="MathProblem"/>
/// the world produced, files included, with <see cref="FromProblem"/>.
/// </summary>
/// <param name="Id">The problem id.</param>
/// <param name="Family">The task family.</param>
/// <param name="Scene">The scene facts.</param>
/// <param name="Task">What the question asks.</param>
/// <param name="Question">The question text.</param>
/// <param name="Answer">The ground-truth answer (an integer, or the option text for multiple choice).</param>
public sealed record SyntheticItem(string Id, WorldFamily Family, SyntheticScene Scene, SyntheticTask Task, string Question, string Answer)
{
    /// <summary>A caption that states every basic fact of the scene: pre-training text for the base model.</summary>
    public string Caption => Scene.Caption();

    /// <summary>The bare answer, as a direct short answer for pre-training the base model.</summary>
    public string DirectAnswer => Answer;

    /// <summary>A short worked solution in the think/answer format, as an instruct model writes one (facts, canonical computation, answer; no re-checks).</summary>
    public string WorkedSolution => SyntheticCotWriter.WorkedSolution(this);

    /// <summary>
    /// Every fact the description of this item states: the scene's basic facts, then the facts
    /// the question needs that are not among them (totals such as "circles" or "shapes").
    /// </summary>
    public IReadOnlyList<SceneFact> DescribedFacts()
    {
        var facts = Scene.BasicFacts().ToList();
        foreach (var f in Task.Facts)
            if (!facts.Any(x => x.Kind == f.Kind && x.Subject == f.Subject)) facts.Add(f);
        return facts;
    }

    /// <summary>
    /// A detailed description stating every fact the question needs, one sentence each
    /// (<see cref="FactText.Sentence"/>). <paramref name="facts"/> replaces <see cref="DescribedFacts"/> (the teacher passes a miscounted copy).
    /// </summary>
    public string Description(IReadOnlyList<SceneFact>? facts = null)
    {
        facts ??= DescribedFacts();
        string intro = Scene switch
        {
            ShapesScene => "The image shows coloured shapes on a white background.",
            BarChartScene b => $"The image is a bar chart with bars labelled {FactText.JoinAnd(b.Bars.Select(x => x.Label).ToList())} on a grid with one line per unit.",
            GeometryScene g => $"The image shows a {ScenePalette.Name(g.Color)} {g.FigureName} drawn to scale with a number written next to each side.",
            _ => "The image shows a synthetic scene.",
        };
        return intro + " " + string.Join(" ", facts.Select(FactText.Sentence));
    }

    /// <summary>Reads the synthetic ground truth of <paramref name="problem"/> from its metadata.</summary>
    /// <exception cref="FormatException">A metadata key is missing or unreadable; the message names the item and the key.</exception>
    public static SyntheticItem FromProblem(MathProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var meta = problem.Metadata ?? throw new FormatException($"Item '{problem.Id}' has no metadata, so it is not a synthetic-world item.");
        string Get(string key) => meta.TryGetValue(key, out var v) && !string.IsNullOrEmpty(v)
            ? v
            : throw new FormatException($"Item '{problem.Id}' lacks metadata key '{key}'.");
        SyntheticScene scene;
        SyntheticTask task;
        try
        {
            scene = SyntheticWorldJson.DeserializeScene(Get(SyntheticMetadataKeys.Scene));
        }
        catch (JsonException e)
        {
            throw new FormatException($"Item '{problem.Id}': metadata key '{SyntheticMetadataKeys.Scene}' is not a scene: {e.Message}", e);
        }
        try
        {
            task = SyntheticWorldJson.DeserializeTask(Get(SyntheticMetadataKeys.Task));
        }
        catch (JsonException e)
        {
            throw new FormatException($"Item '{problem.Id}': metadata key '{SyntheticMetadataKeys.Task}' is not a task: {e.Message}", e);
        }
        if (task.Facts is null || task.Facts.Count == 0)
            throw new FormatException($"Item '{problem.Id}': metadata key '{SyntheticMetadataKeys.Task}' names no facts.");
        return new SyntheticItem(problem.Id, scene.Family, scene, task, problem.Question, problem.Answer);
    }

    /// <summary>Whether <paramref name="problem"/> carries synthetic-world metadata.</summary>
    public static bool IsSynthetic(MathProblem problem) =>
        problem?.Metadata is { } m && m.ContainsKey(SyntheticMetadataKeys.Scene) && m.ContainsKey(SyntheticMetadataKeys.Task);
}
