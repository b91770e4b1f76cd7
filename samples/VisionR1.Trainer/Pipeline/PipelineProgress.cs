using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace VisionR1.Trainer.Pipeline;

/// <summary>Where the pipeline reports stage progress.</summary>
public interface IPipelineProgress
{
    /// <summary>A stage starts with <paramref name="total"/> units of work.</summary>
    void Begin(string stage, string description, double total);

    /// <summary><paramref name="done"/> units of the stage are finished; <paramref name="note"/> is a short status (loss, reward…).</summary>
    void Update(string stage, double done, string? note = null);

    /// <summary>The stage finished.</summary>
    void End(string stage, string summary);

    /// <summary>A free line of information.</summary>
    void Info(string line);
}

/// <summary>Plain progress lines with elapsed time and ETA (for redirected output and tests), at most one per stage every few seconds.</summary>
public sealed class PlainProgress(TextWriter writer, TimeSpan? every = null) : IPipelineProgress
{
    private readonly Dictionary<string, (Stopwatch Clock, double Total, TimeSpan Last, double? From)> _stages = new(StringComparer.Ordinal);
    private readonly TimeSpan _every = every ?? TimeSpan.FromSeconds(10);
    private readonly Lock _gate = new();

    /// <inheritdoc />
    public void Begin(string stage, string description, double total)
    {
        lock (_gate)
        {
            _stages[stage] = (Stopwatch.StartNew(), total, TimeSpan.Zero, null);
            writer.WriteLine($"[{stage}] {description}");
            writer.Flush();
        }
    }

    /// <inheritdoc />
    public void Update(string stage, double done, string? note = null)
    {
        lock (_gate)
        {
            if (!_stages.TryGetValue(stage, out var s)) return;
            var elapsed = s.Clock.Elapsed;
            if (s.From is null)
            {
                // The first report is where this run starts (a resumed stage starts past 0): the rate counts from here.
                _stages[stage] = s with { From = done };
                return;
            }
            if (elapsed - s.Last < _every && done < s.Total) return;
            _stages[stage] = s with { Last = elapsed };
            double progressed = done - s.From.Value;
            string eta = progressed > 0 && s.Total > done ? Format(TimeSpan.FromSeconds(elapsed.TotalSeconds * (s.Total - done) / progressed)) : "--:--";
            double pct = s.Total > 0 ? 100 * done / s.Total : 100;
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[{stage}] {done:0}/{s.Total:0} ({pct:F0}%) elapsed {Format(elapsed)} eta {eta}{(note is null ? "" : "  " + note)}"));
            writer.Flush();
        }
    }

    /// <inheritdoc />
    public void End(string stage, string summary)
    {
        lock (_gate)
        {
            var elapsed = _stages.TryGetValue(stage, out var s) ? s.Clock.Elapsed : TimeSpan.Zero;
            writer.WriteLine($"[{stage}] done in {Format(elapsed)}: {summary}");
            writer.Flush();
        }
    }

    /// <inheritdoc />
    public void Info(string line)
    {
        lock (_gate)
        {
            writer.WriteLine(line);
            writer.Flush();
        }
    }

    internal static string Format(TimeSpan t) => t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : t.ToString(@"mm\:ss", CultureInfo.InvariantCulture);
}

/// <summary>Spectre.Console progress bars (one per stage, with elapsed time and ETA) for an interactive terminal.</summary>
public sealed class SpectreProgress(ProgressContext context) : IPipelineProgress
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
