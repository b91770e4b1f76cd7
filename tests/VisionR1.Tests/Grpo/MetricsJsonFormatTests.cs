using System.Text.Json;
using VisionR1.Grpo.Evaluation;
using VisionR1.Grpo.Metrics;

namespace VisionR1.Tests.Grpo;

/// <summary>The JSON text of metrics.jsonl, events.jsonl and evaluation results: names and order are a file format.</summary>
public sealed class MetricsJsonFormatTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-metrics-json-");

    public void Dispose() => _dir.Delete(true);

    [Fact]
    public void Sft_step_lines_and_event_kinds_keep_their_snake_case_names_in_order()
    {
        using (var sink = new JsonlMetricsSink(_dir.FullName))
        {
            sink.OnSftStep(new SftStepMetrics
            {
                Step = 3, Epoch = 1, Loss = 0.5, Tokens = 12, Samples = 4, LearningRate = 0.25, GradNorm = 2, TokensPerSecond = 8, StepSeconds = 1.5,
            });
            foreach (var kind in new[] { TrainingEventKind.StageSwitch, TrainingEventKind.Checkpoint, TrainingEventKind.Resume,
                TrainingEventKind.SkippedStep, TrainingEventKind.Finished, TrainingEventKind.WeightSync })
                sink.OnEvent(new TrainingEvent(3, kind, "m"));
        }
        Assert.Equal(
            """{"step":3,"epoch":1,"loss":0.5,"tokens":12,"samples":4,"learning_rate":0.25,"grad_norm":2,"tokens_per_second":8,"step_seconds":1.5}""",
            File.ReadAllLines(Path.Combine(_dir.FullName, JsonlMetricsSink.MetricsFileName)).Single());
        var kinds = File.ReadAllLines(Path.Combine(_dir.FullName, JsonlMetricsSink.EventsFileName))
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("kind").GetString()!).ToArray();
        Assert.Equal(new[] { "stage_switch", "checkpoint", "resume", "skipped_step", "finished", "weight_sync" }, kinds);
    }

    [Fact]
    public void Local_evaluations_serialize_with_their_json_names_in_order_and_read_back()
    {
        var evaluation = new LocalEvaluation
        {
            Items = 4, Correct = 3, Accuracy = 0.75, CiLower = 0.25, CiUpper = 0.5, FormatRate = 1, MeanCompletionTokens = 10,
            ReflectiveRate = 0, ClippedRate = 0.5, Mode = "cot", Seconds = 2,
        };
        var json = JsonSerializer.Serialize(evaluation);
        Assert.Equal(
            """{"items":4,"correct":3,"accuracy":0.75,"ci_lower":0.25,"ci_upper":0.5,"format_rate":1,"mean_completion_tokens":10,"reflective_rate":0,"clipped_rate":0.5,"mode":"cot","seconds":2}""",
            json);
        Assert.Equal(evaluation, JsonSerializer.Deserialize<LocalEvaluation>(json));
    }
}
