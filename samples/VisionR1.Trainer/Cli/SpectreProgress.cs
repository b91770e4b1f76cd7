using Spectre.Console;
using VisionR1.Recipe;

namespace VisionR1.Trainer.Cli;

/// <summary>Spectre.Console progress bars (one per stage, with elapsed time and ETA) for an interactive terminal.</summary>
public sealed class SpectreProgress(ProgressContext context) : IRecipeProgress
{
    private readonly Dictionary<string, ProgressTask> _tasks = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <inheritdoc />
    public void Begin(string stage, string description, double total)
    {
        lock (_gate)
        {
            var task = context.AddTask(Markup.Escape($"{stage}: {description}"), maxValue: Math.Max(1, total));
            task.StartTask();
            _tasks[stage] = task;
        }
    }

    /// <inheritdoc />
    public void Update(string stage, double done, string? note = null)
    {
        lock (_gate)
        {
            if (!_tasks.TryGetValue(stage, out var task)) return;
            task.Value = Math.Min(task.MaxValue, done);
            if (note is not null) task.Description = Markup.Escape($"{stage}: {note}");
        }
    }

    /// <inheritdoc />
    public void End(string stage, string summary)
    {
        lock (_gate)
        {
            if (!_tasks.TryGetValue(stage, out var task)) return;
            task.Value = task.MaxValue;
            task.Description = Markup.Escape($"{stage}: {summary}");
            task.StopTask();
        }
    }

    /// <inheritdoc />
    public void Info(string line) => AnsiConsole.MarkupLine(Markup.Escape(line));
}
