namespace VisionR1.Grpo.Schedule;

/// <summary>
/// One stage of Progressive Thinking Suppression Training: completions are capped at
/// <see cref="MaxCompletionLength"/> tokens and each prompt gets <see cref="GroupSize"/> samples.
/// The stage ends after <see cref="Steps"/> optimisation steps or <see cref="Prompts"/> prompts
/// (whichever is reached first, of those given), or earlier when <see cref="SwitchTrigger"/> fires.
/// </summary>
/// <param name="MaxCompletionLength">Completion-length cap L_s in tokens (4096 in Vision-R1's first stage).</param>
/// <param name="GroupSize">Completions per prompt G_s (16 in Vision-R1's first stage).</param>
/// <param name="Steps">Optimisation steps in the stage (100 per stage in Vision-R1), or null to bound the stage by prompts only.</param>
/// <param name="Prompts">Prompts the stage consumes, or null to bound it by steps only.</param>
/// <param name="Temperature">Sampling temperature for this stage, or null to use the trainer's.</param>
/// <param name="SwitchTrigger">Ends the stage early on sustained truncation, or null.</param>
/// <param name="Name">A label for logs, or null.</param>
public sealed record PtstStage(
    int MaxCompletionLength,
    int GroupSize,
    int? Steps = 100,
    int? Prompts = null,
    double? Temperature = null,
    StageSwitchTrigger? SwitchTrigger = null,
    string? Name = null)
{
    /// <summary>Throws for a stage that cannot run; <paramref name="index"/> names it in the message.</summary>
    public void Validate(int index)
    {
        string where = $"Stage {index}{(Name is null ? "" : $" ('{Name}')")}";
        if (MaxCompletionLength < 1) throw new ArgumentOutOfRangeException(nameof(MaxCompletionLength), MaxCompletionLength, $"{where}: the completion-length cap must be at least 1.");
        if (GroupSize < 2) throw new ArgumentOutOfRangeException(nameof(GroupSize), GroupSize, $"{where}: the group size must be at least 2 (a group of one has no relative advantage).");
        if (Steps is null && Prompts is null) throw new ArgumentException($"{where}: give Steps, Prompts or both.");
        if (Steps is < 1) throw new ArgumentOutOfRangeException(nameof(Steps), Steps, $"{where}: Steps must be at least 1.");
        if (Prompts is < 1) throw new ArgumentOutOfRangeException(nameof(Prompts), Prompts, $"{where}: Prompts must be at least 1.");
        if (Temperature is { } t && !(t > 0 && double.IsFinite(t))) throw new ArgumentOutOfRangeException(nameof(Temperature), t, $"{where}: the temperature must be > 0.");
        SwitchTrigger?.Validate(where);
    }

    /// <summary>A short description, e.g. "4096×16 for 100 steps".</summary>
    public override string ToString() =>
        $"{Name ?? "stage"} {MaxCompletionLength}×{GroupSize}" +
        (Steps is { } s ? $" for {s} steps" : "") + (Prompts is { } p ? $"{(Steps is null ? " for" : " or")} {p} prompts" : "") +
        (SwitchTrigger is { } tr ? $" (switch when clipped ratio > {tr.ClippedRatioAbove:0.###} for {tr.ForSteps} steps)" : "");
}
