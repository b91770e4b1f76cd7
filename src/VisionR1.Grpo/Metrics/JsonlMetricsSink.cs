using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using VisionR1.IO;

namespace VisionR1.Grpo.Metrics;

/// <summary>
/// Appends one JSON line per step to <c>metrics.jsonl</c> and one per event to <c>events.jsonl</c> in a folder
/// (snake_case names; each line is flushed as written). Opened for a resumed run, it first drops the lines of
/// steps after the checkpoint, so no step appears twice.
/// </summary>
public sealed class JsonlMetricsSink : IMetricsSink, IDisposable
{
    /// <summary>The metrics file name.</summary>
    public const string MetricsFileName = "metrics.jsonl";

    /// <summary>The events file name.</summary>
    public const string EventsFileName = "events.jsonl";

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private readonly StreamWriter _metrics;
    private readonly StreamWriter _events;

    /// <summary>Opens (creating) the files in <paramref name="directory"/>; with <paramref name="keepUpToStep"/>, lines of later steps are removed first.</summary>
    public JsonlMetricsSink(string directory, long? keepUpToStep = null)
    {
        Directory.CreateDirectory(directory);
        MetricsPath = Path.Combine(directory, MetricsFileName);
        EventsPath = Path.Combine(directory, EventsFileName);
        if (keepUpToStep is { } step)
        {
            Truncate(MetricsPath, step);
            Truncate(EventsPath, step);
        }
        _metrics = Open(MetricsPath);
        _events = Open(EventsPath);
    }

    /// <summary>Path of metrics.jsonl.</summary>
    public string MetricsPath { get; }

    /// <summary>Path of events.jsonl.</summary>
    public string EventsPath { get; }

    /// <inheritdoc />
    public void OnGrpoStep(GrpoStepMetrics metrics) => Write(_metrics, JsonSerializer.Serialize(metrics, Json));

    /// <inheritdoc />
    public void OnSftStep(SftStepMetrics metrics) => Write(_metrics, JsonSerializer.Serialize(metrics, Json));

    /// <inheritdoc />
    public void OnEvent(TrainingEvent trainingEvent) => Write(_events, JsonSerializer.Serialize(trainingEvent, Json));

    /// <inheritdoc />
    public void Dispose()
    {
        _metrics.Dispose();
        _events.Dispose();
    }

    private static StreamWriter Open(string path) =>
        new(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false));

    private static void Write(StreamWriter w, string line)
    {
        w.Write(line);
        w.Write('\n');
        w.Flush();
    }

    /// <summary>Keeps the lines whose "step" is at most <paramref name="step"/> (and drops a torn last line), atomically.</summary>
    private static void Truncate(string path, long step)
    {
        if (!File.Exists(path)) return;
        var kept = new List<string>();
        foreach (var line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonNode? node;
            try
            {
                node = JsonNode.Parse(line);
            }
            catch (JsonException)
            {
                continue; // a line torn by a crash
            }
            if (node?["step"]?.GetValue<long>() is { } s && s <= step) kept.Add(line);
        }
        AtomicFile.WriteAllText(path, kept.Count == 0 ? "" : string.Join('\n', kept) + "\n");
    }
}
