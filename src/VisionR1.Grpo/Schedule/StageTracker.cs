namespace VisionR1.Grpo.Schedule;

/// <summary>
/// Walks a <see cref="PtstSchedule"/>: after each step the trainer reports how many prompts it used and
/// what fraction of completions were truncated; the tracker says when to move on. Holds no tensors.
/// </summary>
public sealed class StageTracker
{
    private ScheduleState _state;

    /// <summary>Starts at the beginning of <paramref name="schedule"/>, or at <paramref name="state"/> when resuming.</summary>
    public StageTracker(PtstSchedule schedule, ScheduleState? state = null)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        schedule.Validate();
        Schedule = schedule;
        _state = state ?? new ScheduleState();
        if (_state.StageIndex < 0 || _state.StageIndex > schedule.Stages.Count)
            throw new ArgumentOutOfRangeException(nameof(state), _state.StageIndex, $"The saved stage index is outside the schedule's {schedule.Stages.Count} stages.");
    }

    /// <summary>The schedule walked.</summary>
    public PtstSchedule Schedule { get; }

    /// <summary>The position, to save in a checkpoint.</summary>
    public ScheduleState State => _state;

    /// <summary>Whether every stage has run.</summary>
    public bool Finished => _state.StageIndex >= Schedule.Stages.Count;

    /// <summary>The current stage.</summary>
    /// <exception cref="InvalidOperationException">The schedule is finished.</exception>
    public PtstStage Current => Finished ? throw new InvalidOperationException("The schedule is finished.") : Schedule.Stages[_state.StageIndex];

    /// <summary>Records a finished step; returns the stage switch it causes, or null.</summary>
    public StageSwitch? Complete(int promptsUsed, double clippedRatio)
    {
        if (promptsUsed < 0) throw new ArgumentOutOfRangeException(nameof(promptsUsed));
        var stage = Current;
        var s = _state with { StepInStage = _state.StepInStage + 1, PromptsInStage = _state.PromptsInStage + promptsUsed };
        if (stage.SwitchTrigger is { } trigger)
            s = s with { TriggerStreak = clippedRatio > trigger.ClippedRatioAbove ? s.TriggerStreak + 1 : 0 };
        string? reason =
            stage.Steps is { } steps && s.StepInStage >= steps ? "steps" :
            stage.Prompts is { } prompts && s.PromptsInStage >= prompts ? "prompts" :
            stage.SwitchTrigger is { } t && s.TriggerStreak >= t.ForSteps ? "trigger" : null;
        if (reason is null)
        {
            _state = s;
            return null;
        }
        var move = new StageSwitch(_state.StageIndex, _state.StageIndex + 1, s.StepInStage, reason);
        _state = new ScheduleState(_state.StageIndex + 1);
        return move;
    }
}
