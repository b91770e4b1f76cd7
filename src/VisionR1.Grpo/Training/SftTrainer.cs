using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using VisionR1.Grpo.Checkpoints;
using VisionR1.Grpo.Loss;
using VisionR1.Grpo.Metrics;
using VisionR1.Grpo.Policies;
using VisionR1.Grpo.Schedule;
using static TorchSharp.torch;

namespace VisionR1.Grpo.Training;

/// <summary>
/// Supervised fine-tuning on assistant tokens only (the cold start): AdamW, warm-up + cosine, gradient
/// accumulation over micro-batches with one token-mean loss per optimizer step, gradient clipping, and
/// checkpoints that resume exactly (weights, optimizer, RNG, data cursor).
/// </summary>
/// <typeparam name="TSample">The data item the collator understands.</typeparam>
public sealed class SftTrainer<TSample> : IDisposable
{
    private readonly IPolicyModel _policy;
    private readonly ISftCollator<TSample> _collator;
    private readonly IReadOnlyList<TSample> _data;
    private readonly SftOptions _options;
    private readonly IReadOnlyList<Parameter> _parameters;
    private readonly AdamWOptimizer _optimizer;
    private readonly LearningRateSchedule _lr;
    private readonly CheckpointStore? _store;
    private DataOrder _order;
    private CheckpointInfo? _lastCheckpoint;

    /// <summary>Prepares a run (vision freezing if asked, AdamW, seeded RNG).</summary>
    public SftTrainer(IPolicyModel policy, ISftCollator<TSample> collator, IReadOnlyList<TSample> data, SftOptions? options = null, IMetricsSink? metrics = null)
    {
        _policy = policy ?? throw new ArgumentNullException(nameof(policy));
        _collator = collator ?? throw new ArgumentNullException(nameof(collator));
        _data = data is { Count: > 0 } ? data : throw new ArgumentException("The SFT data set is empty.", nameof(data));
        _options = options ?? new SftOptions();
        _options.Validate();
        Metrics = metrics ?? new InMemoryMetricsSink();
        torch.random.manual_seed(_options.Seed);
        _parameters = TrainingSetup.PrepareParameters(policy, _options.FreezeVisionTower);
        _optimizer = TrainingSetup.CreateOptimizer(_parameters, _options.LearningRate, _options.Adam);
        int perStep = _options.MicroBatchSize * _options.GradientAccumulationSteps;
        TotalSteps = (long)Math.Ceiling((double)_data.Count * _options.Epochs / perStep);
        _lr = LearningRateSchedule.WithWarmupRatio(_options.LearningRate, _options.WarmupRatio, (int)Math.Min(int.MaxValue, TotalSteps), _options.LearningRateShape);
        _order = new DataOrder(_data.Count, _options.Seed, _options.ShuffleData);
        if (_options.OutputDirectory is { } dir)
        {
            _store = new CheckpointStore(Path.Combine(dir, "checkpoints"), _options.KeepLastCheckpoints);
            _store.RemoveLeftovers(); // what a killed run of this job left
        }
    }

    /// <summary>Where step metrics and events go.</summary>
    public IMetricsSink Metrics { get; set; }

    /// <summary>Optimizer steps of the whole run.</summary>
    public long TotalSteps { get; }

    /// <summary>Optimizer steps completed.</summary>
    public long Step { get; private set; }

    /// <summary>Whether all epochs have run.</summary>
    public bool Finished => Step >= TotalSteps;

    /// <summary>Where the sample order stands.</summary>
    public DataCursor DataCursor => _order.Cursor;

    /// <summary>The optimizer.</summary>
    public AdamWOptimizer Optimizer => _optimizer;

    /// <summary>
    /// Loads the newest checkpoint after verifying it (<see cref="CheckpointStore.Resume{T}"/>; a damaged one stops the resume,
    /// or under <see cref="ResumeMode.LatestGood"/> is moved aside with a <see cref="TrainingEventKind.CheckpointDamaged"/> event); returns it, or null when there is none.
    /// </summary>
    public CheckpointInfo? TryResume(ResumeMode mode = ResumeMode.Latest)
    {
        if (_store?.Resume(mode, c => TrainingCheckpoint.Read<SftCheckpointState>(c, _policy, _optimizer, _options.Seed)) is not { } resumed) return null;
        var (latest, state) = (resumed.Checkpoint, resumed.Value);
        foreach (var aside in resumed.SetAside) Metrics.OnEvent(new TrainingEvent(aside.Step, TrainingEventKind.CheckpointDamaged, aside.ToString()));
        Step = state.Step;
        _order = new DataOrder(_data.Count, _options.Seed, _options.ShuffleData, state.Data);
        _lastCheckpoint = latest;
        Metrics.OnEvent(new TrainingEvent(Step, TrainingEventKind.Resume, $"Resumed from {latest.Directory} at step {Step}."));
        return latest;
    }

    /// <summary>Writes a checkpoint of the current state (needs <see cref="SftOptions.OutputDirectory"/>).</summary>
    public CheckpointInfo SaveCheckpoint(CancellationToken cancellationToken = default)
    {
        if (_store is null) throw new InvalidOperationException("Checkpointing needs SftOptions.OutputDirectory.");
        var state = new SftCheckpointState(Step, _order.Cursor, _options.Seed);
        _lastCheckpoint = _store.Save(Step, dir => TrainingCheckpoint.Write(dir, _policy, _optimizer, state), TrainingCheckpoint.Facts(state), cancellationToken);
        Metrics.OnEvent(new TrainingEvent(Step, TrainingEventKind.Checkpoint, $"Checkpoint written to {_lastCheckpoint.Directory}."));
        return _lastCheckpoint;
    }

    /// <summary>
    /// Runs optimizer steps until all epochs are done, <paramref name="maxSteps"/> more have run, or cancellation
    /// (a safe stop: the step under way is finished and a checkpoint written before returning).
    /// </summary>
    public TrainingRunResult Train(long? maxSteps = null, CancellationToken cancellationToken = default)
    {
        var result = TrainingLoop.Run(() => Finished, () => Step, () => TrainStep(CancellationToken.None),
            _store is null ? null : () => SaveCheckpoint(CancellationToken.None), () => _lastCheckpoint, _options.SaveEverySteps, maxSteps, cancellationToken);
        if (Finished) Metrics.OnEvent(new TrainingEvent(Step, TrainingEventKind.Finished, $"SFT finished after {Step} steps."));
        return result;
    }

    /// <summary>One optimizer step over <c>MicroBatchSize × GradientAccumulationSteps</c> samples (fewer at the very end).</summary>
    public SftStepMetrics TrainStep(CancellationToken cancellationToken = default)
    {
        if (Finished) throw new InvalidOperationException("SFT is finished.");
        VisionR1.Runtime.ThreadGovernor.Poll(); // fewer threads while another process is busy (see ThreadGovernor)
        var watch = Stopwatch.StartNew();
        using var scope = NewDisposeScope();
        int epoch = _order.Cursor.Epoch;
        var indices = _order.Take(StepSampleCount());
        var micro = Collate(indices.Select(i => _data[i]).ToList());
        try
        {
            double tokens = 0, positions = 0;
            foreach (var b in micro)
            {
                tokens += b.LossMask[.., 1..].sum().ToDouble();
                positions += b.Inputs.AttentionMask.sum().ToDouble();
            }
            double lr = _lr.At(Step);
            _optimizer.LearningRate = lr;
            double loss = AccumulateGradients(micro, tokens, cancellationToken);
            double gradNorm = TrainingSetup.ClipGradients(_parameters, _options.MaxGradNorm);
            TrainingSetup.EnsureFinite("sft", Step + 1, loss, gradNorm, _lastCheckpoint);
            _optimizer.Step();
            Step++;
            double seconds = watch.Elapsed.TotalSeconds;
            var metrics = new SftStepMetrics
            {
                Step = Step, Epoch = epoch, Loss = loss, Tokens = tokens, Samples = indices.Length, LearningRate = lr, GradNorm = gradNorm,
                TokensPerSecond = seconds > 0 ? positions / seconds : 0, StepSeconds = seconds,
            };
            Metrics.OnSftStep(metrics);
            return metrics;
        }
        finally
        {
            foreach (var b in micro) b.Dispose();
        }
    }

    /// <summary>Samples of the next step: a full step's, or what is left of the last epoch.</summary>
    private int StepSampleCount()
    {
        long remaining = (long)_data.Count * _options.Epochs - ((long)_order.Cursor.Epoch * _data.Count + _order.Cursor.Position);
        return (int)Math.Min(_options.MicroBatchSize * _options.GradientAccumulationSteps, Math.Max(1, remaining));
    }

    /// <summary>A step's micro-batches: regrouped by length within <see cref="SftOptions.MaxMicroBatchTokens"/>, or <see cref="SftOptions.MicroBatchSize"/> samples at a time in data order.</summary>
    private List<SftBatch> Collate(IReadOnlyList<TSample> samples)
    {
        if (_options.MaxMicroBatchTokens > 0)
            return [.. _collator.CollateWithinTokens(samples, _options.MicroBatchSize, _options.MaxMicroBatchTokens)];
        var micro = new List<SftBatch>();
        try
        {
            for (int s = 0; s < samples.Count; s += _options.MicroBatchSize)
                micro.Add(_collator.Collate(samples.Skip(s).Take(_options.MicroBatchSize).ToList()));
            return micro;
        }
        catch
        {
            foreach (var b in micro) b.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Forward and backward passes of the micro-batches (side by side when allowed), each loss divided by the step's
    /// <paramref name="tokens"/> so the gradients add up to the token-mean loss's. Returns that loss.
    /// </summary>
    private double AccumulateGradients(List<SftBatch> micro, double tokens, CancellationToken cancellationToken)
    {
        _policy.Module.train();
        _optimizer.ZeroGrad();
        var device = Rollout.CompletionLogProbs.DeviceOf(_policy);
        Tensor MicroLoss(SftBatch b)
        {
            var inputs = b.Inputs.To(device);
            int t = (int)inputs.SequenceLength;
            var logp = _policy.LogProbsOfLastTokens(inputs, t - 1).LogProbs;
            return SftLoss.Compute(logp, b.LossMask.to(device)[.., 1..], tokens);
        }
        int workers = TrainingSetup.MicroBatchWorkers(_policy, micro.Count, _options.Throughput.ConcurrentMicroBatches);
        double lossSum = 0;
        foreach (var l in MicroBatchBackward.Run(_parameters, micro.Count, workers, i => { var loss = MicroLoss(micro[i]); return (loss, loss.ToDouble()); }, cancellationToken))
            lossSum += l; // in micro-batch order
        return lossSum;
    }

    /// <summary>Mean negative log-likelihood per assistant token of <paramref name="samples"/> (no gradient, eval mode).</summary>
    public double EvaluateLoss(IReadOnlyList<TSample> samples, int batchSize = 8)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        bool training = _policy.Module.training;
        _policy.Module.eval();
        try
        {
            double nll = 0, tokens = 0;
            var device = Rollout.CompletionLogProbs.DeviceOf(_policy);
            for (int s = 0; s < samples.Count; s += batchSize)
            {
                using var inner = NewDisposeScope();
                using var b = _collator.Collate(samples.Skip(s).Take(batchSize).ToList());
                var inputs = b.Inputs.To(device);
                var mask = b.LossMask.to(device)[.., 1..];
                double n = mask.sum().ToDouble();
                var logp = _policy.LogProbsOfLastTokens(inputs, (int)inputs.SequenceLength - 1).LogProbs;
                nll += SftLoss.Compute(logp, mask).ToDouble() * n;
                tokens += n;
            }
            return tokens > 0 ? nll / tokens : 0;
        }
        finally
        {
            if (training) _policy.Module.train();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _optimizer.Dispose();
}
