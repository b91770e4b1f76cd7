using System.Diagnostics;
using System.Globalization;

namespace VisionR1.Recipe;

/// <summary>Plain progress lines with elapsed time and ETA (for redirected output and tests), at most one per stage every few seconds.</summary>
public sealed class PlainProgress(TextWriter writer, TimeSpan? every = null) : IRecipeProgress
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

    /// <summary>Formats a duration as <c>mm:ss</c>, or <c>h:mm:ss</c> from one hour on (the style of the progress lines).</summary>
    public static string Format(TimeSpan t) => t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : t.ToString(@"mm\:ss", CultureInfo.InvariantCulture);
}
