using VisionR1.IO;
using System.Diagnostics;
using System.Text.Json;

namespace VisionR1.Recipe;

/// <summary>What a finished stage left behind: its result, serialised, and how long it took.</summary>
/// <param name="Stage">The stage name.</param>
/// <param name="ElapsedSeconds">Wall-clock seconds the stage took, summed over every attempt (an interrupted attempt counts up to its last heartbeat).</param>
/// <param name="FinishedUtc">When it finished.</param>
/// <param name="Result">The stage's result as JSON.</param>
public sealed record StageRecord(string Stage, double ElapsedSeconds, DateTime FinishedUtc, JsonElement Result);

/// <summary>
/// Runs the stages of a long job in order inside one output folder. A stage that finished
/// before (its <c>stage.json</c> marker exists) is not run again: its recorded result is
/// returned. The marker is written atomically after the stage body returns, so a run killed
/// at any moment resumes at the first unfinished stage; a stage body may itself resume from
/// whatever it left in its own folder.
/// </summary>
public sealed class StageRunner
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>File in a stage folder holding the seconds spent in earlier, unfinished attempts.</summary>
    public const string PartialTimeFileName = "elapsed.partial";

    /// <summary>Creates a runner over <paramref name="root"/> (created if missing).</summary>
    public StageRunner(string root)
    {
        Root = Path.GetFullPath(root);
        Directory.CreateDirectory(Root);
    }

    /// <summary>The run's output folder.</summary>
    public string Root { get; }

    /// <summary>Stages skipped because a previous run finished them.</summary>
    public List<string> Resumed { get; } = [];

    /// <summary>How often a running stage records its elapsed time, so that a killed run still counts it on resume.</summary>
    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The folder of a stage.</summary>
    public string StageDirectory(string stage) => Path.Combine(Root, stage);

    /// <summary>Whether <paramref name="stage"/> finished in this or an earlier run.</summary>
    public bool IsDone(string stage) => File.Exists(MarkerPath(stage));

    /// <summary>
    /// Runs <paramref name="body"/> for <paramref name="stage"/> unless it finished before, and
    /// returns its result (recorded or fresh).
    /// </summary>
    public async Task<T> RunAsync<T>(string stage, Func<string, CancellationToken, Task<T>> body, CancellationToken cancellationToken)
    {
        var marker = MarkerPath(stage);
        if (File.Exists(marker))
        {
            var record = JsonSerializer.Deserialize<StageRecord>(File.ReadAllText(marker))
                         ?? throw new InvalidDataException($"Stage marker {marker} is empty.");
            Resumed.Add(stage);
            return record.Result.Deserialize<T>(Json)
                   ?? throw new InvalidDataException($"Stage marker {marker} holds no result.");
        }
        cancellationToken.ThrowIfCancellationRequested();
        var dir = StageDirectory(stage);
        Directory.CreateDirectory(dir);
        // Time of earlier attempts that were stopped or killed: a stage's elapsed time is the sum over attempts.
        var partial = Path.Combine(dir, PartialTimeFileName);
        double previous = ReadPartial(partial);
        var sw = Stopwatch.StartNew();
        var gate = new object();
        void Record()
        {
            lock (gate)
            {
                try { AtomicFile.WriteAllText(partial, (previous + sw.Elapsed.TotalSeconds).ToString("R", System.Globalization.CultureInfo.InvariantCulture)); }
                catch (IOException) { } // a missed heartbeat only undercounts the time
            }
        }
        T result;
        var timer = new Timer(_ => Record(), null, Heartbeat, Heartbeat);
        try
        {
            result = await body(dir, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Record();
            throw;
        }
        finally
        {
            await timer.DisposeAsync().ConfigureAwait(false);
        }
        var done = new StageRecord(stage, previous + sw.Elapsed.TotalSeconds, DateTime.UtcNow, JsonSerializer.SerializeToElement(result, Json));
        AtomicFile.WriteAllText(marker, JsonSerializer.Serialize(done, Json));
        File.Delete(partial);
        return result;
    }

    /// <summary>The recorded elapsed seconds of each finished stage, in folder order.</summary>
    public IReadOnlyDictionary<string, double> ElapsedByStage() =>
        Directory.EnumerateDirectories(Root)
            .Select(d => Path.Combine(d, "stage.json"))
            .Where(File.Exists)
            .Select(f => JsonSerializer.Deserialize<StageRecord>(File.ReadAllText(f))!)
            .ToDictionary(r => r.Stage, r => r.ElapsedSeconds);

    private static double ReadPartial(string path)
    {
        if (!File.Exists(path)) return 0;
        var text = File.ReadAllText(path).Trim();
        return double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) && v >= 0 && double.IsFinite(v)
            ? v
            : throw new InvalidDataException($"{path}: expected the seconds of earlier attempts, got '{text}'.");
    }

    private string MarkerPath(string stage) => Path.Combine(StageDirectory(stage), "stage.json");
}
