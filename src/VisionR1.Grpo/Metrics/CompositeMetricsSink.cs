namespace VisionR1.Grpo.Metrics;

/// <summary>Forwards everything to several sinks, in order.</summary>
public sealed class CompositeMetricsSink(params IMetricsSink[] sinks) : IMetricsSink
{
    private readonly IMetricsSink[] _sinks = sinks ?? throw new ArgumentNullException(nameof(sinks));

    /// <inheritdoc />
    public void OnGrpoStep(GrpoStepMetrics metrics)
    {
        foreach (var s in _sinks) s.OnGrpoStep(metrics);
    }

    /// <inheritdoc />
    public void OnSftStep(SftStepMetrics metrics)
    {
        foreach (var s in _sinks) s.OnSftStep(metrics);
    }

    /// <inheritdoc />
    public void OnEvent(TrainingEvent trainingEvent)
    {
        foreach (var s in _sinks) s.OnEvent(trainingEvent);
    }
}
