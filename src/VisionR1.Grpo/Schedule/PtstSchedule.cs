using System.Text.Json;
using System.Text.Json.Serialization;

namespace VisionR1.Grpo.Schedule;

/// <summary>
/// A GRPO stage schedule as data. A one-stage schedule is plain GRPO; Vision-R1's PTST is
/// 4096×16 → 8192×8 with 100 steps each, keeping L·G constant (paper §3.3, Table 6).
/// </summary>
/// <param name="Stages">The stages in order.</param>
public sealed record PtstSchedule(IReadOnlyList<PtstStage> Stages)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never, // nulls are written: an absent "steps" reads as the default 100
        WriteIndented = true,
        AllowTrailingCommas = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>Vision-R1's final recipe: 4096×16 for 100 steps, then 8192×8 for 100 steps.</summary>
    public static PtstSchedule Paper() => new([
        new PtstStage(4096, 16, 100, Name: "ptst-1"),
        new PtstStage(8192, 8, 100, Name: "ptst-2"),
    ]);

    /// <summary>The paper's three-stage form, 4096×16 → 8192×8 → 16384×4, <paramref name="stepsPerStage"/> steps each.</summary>
    public static PtstSchedule ThreeStage(int stepsPerStage = 100) => new([
        new PtstStage(4096, 16, stepsPerStage, Name: "ptst-1"),
        new PtstStage(8192, 8, stepsPerStage, Name: "ptst-2"),
        new PtstStage(16384, 4, stepsPerStage, Name: "ptst-3"),
    ]);

    /// <summary>Vision-R1-Zero: RL straight on the base model, one stage of 4096×16 for 300 steps (Table 3).</summary>
    public static PtstSchedule Zero() => new([new PtstStage(4096, 16, 300, Name: "zero")]);

    /// <summary>Vision-R1-Long: one stage of 16384×4 for 300 steps from the cold-start model (Table 6).</summary>
    public static PtstSchedule Long() => new([new PtstStage(16384, 4, 300, Name: "long")]);

    /// <summary>
    /// PTST at any scale: <paramref name="stages"/> stages of <paramref name="stepsPerStage"/> steps, the first with cap
    /// <paramref name="firstCap"/> and group <paramref name="firstGroup"/>, each next one doubling the cap and halving the group
    /// (at least 2), so L·G stays constant ("ptst-1", "ptst-2", …). <c>Halving(4096, 16, 100)</c> is <see cref="Paper"/>.
    /// </summary>
    public static PtstSchedule Halving(int firstCap, int firstGroup, int stepsPerStage, int stages = 2) =>
        new([.. Enumerable.Range(0, stages).Select(i => new PtstStage(firstCap << i, Math.Max(2, firstGroup >> i), stepsPerStage, Name: $"ptst-{i + 1}"))]);

    /// <summary>Plain GRPO: one stage.</summary>
    public static PtstSchedule Single(int maxCompletionLength, int groupSize, int steps) =>
        new([new PtstStage(maxCompletionLength, groupSize, steps, Name: "grpo")]);

    /// <summary>Total steps when every stage is bounded by steps; null when some stage is bounded by prompts only.</summary>
    public int? TotalSteps => Stages.All(s => s.Steps is not null) ? Stages.Sum(s => s.Steps!.Value) : null;

    /// <summary>Throws for an empty schedule or an invalid stage.</summary>
    public void Validate()
    {
        if (Stages is null || Stages.Count == 0) throw new ArgumentException("A schedule needs at least one stage.");
        for (int i = 0; i < Stages.Count; i++)
        {
            if (Stages[i] is null) throw new ArgumentException($"Stage {i} is null.");
            Stages[i].Validate(i);
        }
    }

    /// <summary>
    /// The schedule as JSON: either a list of stages or an object with a <c>stages</c> list; stage fields are
    /// snake_case (<c>max_completion_length</c>, <c>group_size</c>, <c>steps</c>, <c>prompts</c>, <c>temperature</c>,
    /// <c>switch_trigger</c> {<c>clipped_ratio_above</c>, <c>for_steps</c>}, <c>name</c>).
    /// </summary>
    public string ToJson() => JsonSerializer.Serialize(new Document(Stages.ToList()), Json);

    /// <summary>Parses <see cref="ToJson"/>'s format (or a bare list of stages) and validates it.</summary>
    /// <exception cref="FormatException">The text is not a valid schedule; the message names the problem.</exception>
    public static PtstSchedule FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        List<PtstStage>? stages;
        try
        {
            stages = json.TrimStart().StartsWith('[')
                ? JsonSerializer.Deserialize<List<PtstStage>>(json, Json)
                : JsonSerializer.Deserialize<Document>(json, Json)?.Stages;
        }
        catch (JsonException e)
        {
            throw new FormatException($"The schedule JSON is not valid: {e.Message}", e);
        }
        if (stages is null) throw new FormatException("The schedule JSON has no 'stages' list.");
        var schedule = new PtstSchedule(stages);
        try
        {
            schedule.Validate();
        }
        catch (ArgumentException e)
        {
            throw new FormatException($"The schedule JSON is not valid: {e.Message}", e);
        }
        return schedule;
    }

    /// <summary>Reads a schedule from a JSON file.</summary>
    /// <exception cref="FormatException">The file is not a valid schedule; the message names the file.</exception>
    public static PtstSchedule Load(string path)
    {
        try
        {
            return FromJson(File.ReadAllText(path));
        }
        catch (FormatException e)
        {
            throw new FormatException($"{path}: {e.Message}", e);
        }
    }

    /// <inheritdoc />
    public override string ToString() => string.Join(" → ", Stages.Select(s => s.ToString()));

    private sealed record Document(List<PtstStage> Stages);
}
