namespace VisionR1.Grpo.Metrics;

/// <summary>The kinds of <see cref="TrainingEvent"/> the trainers write (<see cref="TrainingEvent.Kind"/>; the text in <c>events.jsonl</c>).</summary>
public static class TrainingEventKind
{
    /// <summary>GRPO moved to the next stage of its schedule (or past the last one); the event's data names both stages and why.</summary>
    public const string StageSwitch = "stage_switch";

    /// <summary>A checkpoint was written.</summary>
    public const string Checkpoint = "checkpoint";

    /// <summary>A damaged checkpoint was moved aside on a resume that asked for the newest verified one.</summary>
    public const string CheckpointDamaged = "checkpoint-damaged";

    /// <summary>A run resumed from a checkpoint.</summary>
    public const string Resume = "resume";

    /// <summary>A GRPO step sampled only groups without reward spread and made no update.</summary>
    public const string SkippedStep = "skipped_step";

    /// <summary>The run completed its schedule (GRPO) or its epochs (SFT).</summary>
    public const string Finished = "finished";

    /// <summary>GRPO published the policy's weights to a rollout engine that samples from its own copy.</summary>
    public const string WeightSync = "weight_sync";
}
