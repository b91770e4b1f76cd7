using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using VisionR1.Grpo.Advantages;
using VisionR1.Grpo.Checkpoints;
using VisionR1.Grpo.Loss;
using VisionR1.Grpo.Metrics;
using VisionR1.Grpo.Policies;
using VisionR1.Grpo.Rollout;
using VisionR1.Grpo.Rollout.Engines;
using VisionR1.Grpo.Schedule;
using VisionR1.Runtime;
using VisionR1.Text;
using static TorchSharp.torch;
using VisionR1.Grpo.Rewards;

namespace VisionR1.Grpo.Training;

/// <summary>
/// GRPO with a stage schedule, as a thin loop over the library's pieces: sample G completions per prompt
/// (<see cref="GroupSampler"/>), score them, build advantages (<see cref="RolloutBatch"/>), compute old and
/// reference log-probs when needed, and run μ AdamW updates of the clipped loss (<see cref="GrpoLoss"/>) with
/// micro-batches whose gradients are accumulated. Stage moves keep the optimizer, learning-rate position, data
/// cursor and metrics, and are logged. Checkpoints (weights, optimizer, RNG states, data cursor, stage) resume exactly.
/// <see cref="GrpoOptions.Algorithm"/> picks the member of the GRPO family (estimator, objective, KL, sampling); when its KL goes
/// into the reward (<see cref="GrpoLossOptions.KlInReward"/>, RLOO) the trainer computes the sampling policy's and the reference's
/// log-probs first and builds the advantages from r − β·Σ_t KL_t.
/// </summary>
/// <remarks>
/// Completions come from an <see cref="IRolloutEngine"/>: by default the policy itself in this process. With an engine that
/// samples from its own copy of the weights (<see cref="RemoteRolloutEngine"/>: vLLM or SGLang over HTTP) the trainer publishes
/// the weights before the first step and every <see cref="GrpoOptions.SyncEverySteps"/> steps, and uses the log-probs the engine
/// reports as the behaviour policy's: each token's clipped term is weighted by min(π_old / π_behaviour, C)
/// (<see cref="GrpoOptions.ImportanceSamplingCap"/>), which is 1 when the server and the trainer compute the same numbers.
/// </remarks>
/// <example>
/// <code>
/// using var trainer = new GrpoTrainer(policy, encoder, tokenizer, [new WeightedReward(hardFormatResult)], prompts,
///     new GrpoOptions { OutputDirectory = "runs/grpo" }, new ConsoleProgressSink());
/// trainer.TryResume();
/// trainer.Train();
/// </code>
/// </example>
public sealed class GrpoTrainer : IDisposable
{
    private readonly IPolicyModel _policy;
    private readonly IPolicyModel? _reference;
    private readonly IPromptEncoder _encoder;
    private readonly IReadOnlyList<GrpoPrompt> _data;
    private readonly GrpoOptions _options;
    private readonly DynamicSampler _sampler;
    private readonly IRolloutEngine _engine;
    private readonly IReadOnlyList<Parameter> _parameters;
    private readonly AdamWOptimizer _optimizer;
    private readonly LearningRateSchedule _lr;
    private readonly CheckpointStore? _store;
    private readonly long _padId;
    private readonly List<StageSwitch> _switches = [];
    private StageTracker _tracker;
    private DataOrder _order;
    private CheckpointInfo? _lastCheckpoint;

    /// <summary>
    /// Prepares a run: freezes the vision tower if asked, creates the frozen reference
    /// (only when β &gt; 0, from the policy's weights as given), AdamW, and seeds torch's RNG. Sampling seeds are
    /// derived from <see cref="GrpoOptions.Seed"/>, the step and the refill round, so a resumed run samples what a
    /// continuous one would. <paramref name="rolloutEngine"/> generates the completions (null: the policy in this process); the
    /// trainer does not dispose it.
    /// </summary>
    public GrpoTrainer(IPolicyModel policy, IPromptEncoder promptEncoder, ITextTokenizer tokenizer, IReadOnlyList<WeightedReward> rewards,
        IReadOnlyList<GrpoPrompt> data, GrpoOptions? options = null, IMetricsSink? metrics = null, IRolloutEngine? rolloutEngine = null)
    {
        _policy = policy ?? throw new ArgumentNullException(nameof(policy));
        _encoder = promptEncoder ?? throw new ArgumentNullException(nameof(promptEncoder));
        ArgumentNullException.ThrowIfNull(tokenizer);
        _data = data is { Count: > 0 } ? data : throw new ArgumentException("The GRPO data set is empty.", nameof(data));
        _options = options ?? new GrpoOptions();
        _options.Validate();
        Metrics = metrics ?? new InMemoryMetricsSink();
        _engine = rolloutEngine ?? new InProcessRolloutEngine(policy, promptEncoder);
        _sampler = new DynamicSampler(new GroupSampler(_engine, tokenizer, rewards, promptEncoder.CompletionPrefix), _data, _options);
        _padId = tokenizer.Special.EndOfText;

        torch.random.manual_seed(_options.Seed);
        _parameters = TrainingSetup.PrepareParameters(policy, _options.FreezeVisionTower);
        _reference = _options.Loss.Beta > 0 ? policy.CreateReference() : null;
        _optimizer = TrainingSetup.CreateOptimizer(_parameters, _options.LearningRate, _options.Adam);
        var total = _options.Schedule.TotalSteps;
        _lr = new LearningRateSchedule(_options.LearningRate, _options.WarmupSteps, total ?? int.MaxValue,
            total is null ? LearningRateShape.Constant : _options.LearningRateShape);
        _tracker = new StageTracker(_options.Schedule);
        _order = new DataOrder(_data.Count, _options.Seed, _options.ShuffleData);
        if (_options.OutputDirectory is { } dir)
        {
            _store = new CheckpointStore(Path.Combine(dir, "checkpoints"), _options.KeepLastCheckpoints);
            _store.RemoveLeftovers(); // what a killed run of this job left
        }
    }

    /// <summary>Where step metrics and events go (replaceable between steps, e.g. after <see cref="TryResume"/>).</summary>
    public IMetricsSink Metrics { get; set; }

    /// <summary>Steps completed.</summary>
    public long Step { get; private set; }

    /// <summary>Whether every stage has run.</summary>
    public bool Finished => _tracker.Finished;

    /// <summary>The current stage, or null when finished.</summary>
    public PtstStage? CurrentStage => _tracker.Finished ? null : _tracker.Current;

    /// <summary>Where the schedule stands.</summary>
    public ScheduleState ScheduleState => _tracker.State;

    /// <summary>Where the data order stands.</summary>
    public DataCursor DataCursor => _order.Cursor;

    /// <summary>Stage switches so far.</summary>
    public IReadOnlyList<StageSwitch> Switches => _switches;

    /// <summary>The optimizer (its state survives stage switches).</summary>
    public AdamWOptimizer Optimizer => _optimizer;

    /// <summary>The engine that generates the completions.</summary>
    public IRolloutEngine RolloutEngine => _engine;

    /// <summary>The frozen reference, or null when β = 0.</summary>
    public IPolicyModel? Reference => _reference;

    /// <summary>
    /// Loads the newest checkpoint under the output folder after verifying it (<see cref="CheckpointStore.Resume{T}"/>: a
    /// damaged one stops the resume, or under <see cref="ResumeMode.LatestGood"/> is moved aside with a <see cref="TrainingEventKind.CheckpointDamaged"/>
    /// event): weights, optimizer state, RNG state, step, stage and data cursor. Returns it, or null when there is nothing to resume. The KL reference is
    /// not stored: it was built at construction from the policy's weights as given, so construct the trainer from the
    /// same base model as the interrupted run (as <c>vr1 grpo --resume</c> does).
    /// </summary>
    public CheckpointInfo? TryResume(ResumeMode mode = ResumeMode.Latest)
    {
        if (_store?.Resume(mode, c => TrainingCheckpoint.Read<GrpoCheckpointState>(c, _policy, _optimizer, _options.Seed)) is not { } resumed) return null;
        var (latest, state) = (resumed.Checkpoint, resumed.Value);
        foreach (var aside in resumed.SetAside) Metrics.OnEvent(new TrainingEvent(aside.Step, TrainingEventKind.CheckpointDamaged, aside.ToString()));
        Step = state.Step;
        _tracker = new StageTracker(_options.Schedule, state.Schedule);
        _order = new DataOrder(_data.Count, _options.Seed, _options.ShuffleData, state.Data);
        _switches.Clear();
        _switches.AddRange(state.Switches);
        _sampler.KeepRate = state.KeepRate;
        _lastCheckpoint = latest;
        Metrics.OnEvent(new TrainingEvent(Step, TrainingEventKind.Resume, $"Resumed from {latest.Directory} at step {Step}, stage {state.Schedule.StageIndex}."));
        return latest;
    }

    /// <summary>Writes a checkpoint of the current state (needs <see cref="GrpoOptions.OutputDirectory"/>).</summary>
    public CheckpointInfo SaveCheckpoint(CancellationToken cancellationToken = default)
    {
        if (_store is null) throw new InvalidOperationException("Checkpointing needs GrpoOptions.OutputDirectory.");
        var state = new GrpoCheckpointState(Step, _tracker.State, _order.Cursor, _options.Seed, _switches.ToList(), _sampler.KeepRate);
        _lastCheckpoint = _store.Save(Step, dir => TrainingCheckpoint.Write(dir, _policy, _optimizer, state), TrainingCheckpoint.Facts(state), cancellationToken);
        Metrics.OnEvent(new TrainingEvent(Step, TrainingEventKind.Checkpoint, $"Checkpoint written to {_lastCheckpoint.Directory}."));
        return _lastCheckpoint;
    }

    /// <summary>
    /// Runs steps until the schedule is done, <paramref name="maxSteps"/> more steps have run, or cancellation.
    /// Cancellation is a safe stop: the step under way is finished (so the optimizer never holds half a step),
    /// a checkpoint is written and the call returns with <see cref="TrainingRunResult.Finished"/> false.
    /// Checkpoints every <see cref="GrpoOptions.SaveEverySteps"/> steps and at the end.
    /// </summary>
    public TrainingRunResult Train(long? maxSteps = null, CancellationToken cancellationToken = default)
    {
        var result = TrainingLoop.Run(() => Finished, () => Step, () => TrainStep(CancellationToken.None),
            _store is null ? null : () => SaveCheckpoint(CancellationToken.None), () => _lastCheckpoint, _options.SaveEverySteps, maxSteps, cancellationToken);
        if (Finished) Metrics.OnEvent(new TrainingEvent(Step, TrainingEventKind.Finished, $"The schedule finished after {Step} steps."));
        return result;
    }

    /// <summary>Runs one step of the current stage and returns its metrics.</summary>
    /// <exception cref="InvalidOperationException">The schedule is finished.</exception>
    public GrpoStepMetrics TrainStep(CancellationToken cancellationToken = default)
    {
        if (Finished) throw new InvalidOperationException("The schedule is finished.");
        cancellationToken.ThrowIfCancellationRequested();
        VisionR1.Runtime.ThreadGovernor.Poll(); // fewer threads while another process is busy (see ThreadGovernor)
        var stage = _tracker.Current;
        int stageIndex = _tracker.State.StageIndex;
        var stepWatch = Stopwatch.StartNew();
        double temperature = stage.Temperature ?? _options.Temperature;
        var metrics = new GrpoStepMetricsBuilder(Step + 1, stageIndex, stage, temperature);
        using var scope = NewDisposeScope();

        metrics.WeightSync(SyncWeightsIfDue(cancellationToken), _engine.NeedsWeightSync ? _engine.ServedVersion : null);
        var sampled = _sampler.Sample(_order, new RolloutStep(Step, stageIndex, stage), stage,
            new SamplingSettings(stage.MaxCompletionLength, temperature, _options.TopP, _options.TopK), cancellationToken);
        metrics.Rollout(sampled.Sampled, sampled.Kept.Count, sampled.PromptsSampled, sampled.GenerationSeconds, sampled.ScoringSeconds, sampled.Retries);
        double lr = _lr.At(Step);
        _optimizer.LearningRate = lr;
        metrics.LearningRate(lr);
        if (sampled.Kept.Count == 0)
            Metrics.OnEvent(new TrainingEvent(Step + 1, TrainingEventKind.SkippedStep, $"Every sampled group had equal rewards after {sampled.Rounds} round(s); no update."));
        else
            Update(sampled.Kept, stage, temperature, metrics, cancellationToken);

        Step++;
        var move = _tracker.Complete(sampled.PromptsSampled, metrics.ClippedRatio);
        if (move is not null) _sampler.KeepRate = null; // a new stage keeps groups at its own rate
        var result = metrics.Build(stepWatch.Elapsed.TotalSeconds);
        Metrics.OnGrpoStep(result);
        if (move is not null) RecordStageSwitch(move);
        return result;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _reference?.Dispose();
        _optimizer.Dispose();
    }

    /// <summary>
    /// Publishes the weights to an engine that samples from its own copy, before the first step and then every
    /// <see cref="GrpoOptions.SyncEverySteps"/> steps; returns the seconds it took (0 when nothing was published).
    /// </summary>
    private double SyncWeightsIfDue(CancellationToken cancellationToken)
    {
        if (!_engine.NeedsWeightSync || _engine.ServedVersion == Step || (_engine.ServedVersion is not null && Step % _options.SyncEverySteps != 0))
            return 0;
        var watch = Stopwatch.StartNew();
        _engine.SyncWeightsAsync(_policy, Step, cancellationToken).ConfigureAwait(false).GetAwaiter().GetResult();
        double seconds = watch.Elapsed.TotalSeconds;
        Metrics.OnEvent(new TrainingEvent(Step, TrainingEventKind.WeightSync, $"{_engine.Name} serves weight version {Step} ({seconds:0.###} s)."));
        return seconds;
    }

    /// <summary>
    /// Trains on the kept groups: advantages, the old and reference log-probs when needed, then μ optimizer updates over
    /// micro-batches; reports what it did to <paramref name="metrics"/>.
    /// </summary>
    private void Update(IReadOnlyList<CompletionGroup> kept, PtstStage stage, double temperature, GrpoStepMetricsBuilder metrics, CancellationToken cancellationToken)
    {
        using var batch = RolloutBatch.Build(kept, _options.Advantages, _options.MaskTruncatedCompletions, _padId);
        var watch = Stopwatch.StartNew();
        SetOldAndReferenceLogProbs(batch, temperature);
        using var folded = KlFoldedAdvantages(batch);
        double logProbSeconds = watch.Elapsed.TotalSeconds;

        watch.Restart();
        var stats = new GrpoLossStatsAccumulator();
        var denominator = new LossDenominator(batch.TokenCount, batch.Count, stage.MaxCompletionLength);
        _policy.Module.train();
        var parts = MicroBatches(batch);
        double gradNorm = 0;
        for (int update = 0; update < _options.UpdatesPerRollout; update++)
            gradNorm = OptimizerUpdate(new UpdatePass(batch, folded ?? batch.Advantages, parts, denominator, temperature, update == 0), stats, cancellationToken);
        metrics.Update(batch.Count, batch.TokenCount, stats, _options.UpdatesPerRollout, gradNorm, logProbSeconds, watch.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Log-probs of the batch under the policy before the update (with μ &gt; 1, or when the KL is folded into the reward) and under
    /// the reference (β &gt; 0), without gradient.
    /// </summary>
    private void SetOldAndReferenceLogProbs(RolloutBatch batch, double temperature)
    {
        if (_options.UpdatesPerRollout > 1 || FoldsKlIntoReward) batch.SetOldLogProbs(FullPass(_policy, batch, temperature));
        if (_reference is not null) batch.SetRefLogProbs(FullPass(_reference, batch, temperature));
    }

    /// <summary>Whether β·KL is subtracted from the rewards before the advantages (<see cref="GrpoLossOptions.KlInReward"/>, with a reference).</summary>
    private bool FoldsKlIntoReward => _options.Loss.KlInReward && _reference is not null;

    /// <summary>
    /// With the KL in the reward: the advantages of r'_i = r_i − β·Σ_t KL_t (the sampling policy against the reference, over the counted
    /// tokens), (N) float32, owned by the caller; else null (the batch's advantages of the plain rewards are used).
    /// </summary>
    private Tensor? KlFoldedAdvantages(RolloutBatch batch)
    {
        if (!FoldsKlIntoReward || batch.OldLogProbs is null || batch.RefLogProbs is null) return null;
        var loss = _options.Loss;
        var kl = KlDivergence.PerCompletion(batch.OldLogProbs, batch.RefLogProbs, batch.CompletionMask, loss.Kl, loss.LogRatioClamp);
        var rewards = new double[batch.Count];
        for (int i = 0; i < rewards.Length; i++) rewards[i] = batch.Completions[i].Reward - loss.Beta * kl[i];
        var advantages = GroupAdvantages.Compute(rewards, batch.GroupSizes, _options.Advantages).Advantages;
        return tensor(advantages.Select(a => (float)a).ToArray(), new long[] { batch.Count }, ScalarType.Float32).DetachFromDisposeScope();
    }

    /// <summary>One optimizer update: gradients accumulated over the micro-batches (side by side when allowed), clipped, stepped. Returns the gradient norm.</summary>
    private double OptimizerUpdate(UpdatePass pass, GrpoLossStatsAccumulator stats, CancellationToken cancellationToken)
    {
        _optimizer.ZeroGrad();
        int workers = TrainingSetup.MicroBatchWorkers(_policy, pass.Parts.Count, _options.Throughput.ConcurrentMicroBatches);
        var device = CompletionLogProbs.DeviceOf(_policy);
        foreach (var m in MicroBatchBackward.Run(_parameters, pass.Parts.Count, workers, k => MicroBatchLoss(pass, pass.Parts[k], device), cancellationToken))
        {
            stats.Add(m.Loss, m.Stats, pass.First); // in micro-batch order
            stats.AddImportanceWeights(m.WeightSum, m.WeightTokens);
        }
        double gradNorm = TrainingSetup.ClipGradients(_parameters, _options.MaxGradNorm);
        TrainingSetup.EnsureFinite("grpo", Step + 1, stats.Loss(1), gradNorm, _lastCheckpoint);
        _optimizer.Step();
        return gradNorm;
    }

    /// <summary>The loss of one micro-batch (with gradient) and what it adds to the step's statistics.</summary>
    private (Tensor Loss, MicroBatchStats Stats) MicroBatchLoss(UpdatePass pass, MicroBatchRows part, Device device)
    {
        var batch = pass.Batch;
        var ids = part.Take(batch.CompletionIds);
        var mask = part.Take(batch.CompletionMask).to(device);
        var (logp, entropy) = CompletionLogProbs.Compute(_policy, _encoder, part.Prompts(batch), ids, mask, pass.Temperature, withEntropy: pass.First);
        var old = batch.OldLogProbs is { } o ? part.Take(o) : logp.detach();
        var reference = batch.RefLogProbs is { } r ? part.Take(r) : null;
        Tensor? weights = null;
        double weightSum = 0, weightTokens = 0;
        if (_engine.NeedsWeightSync && batch.BehaviourLogProbs is { } behaviour)
        {
            weights = ImportanceWeights(old, part.Take(behaviour).to(device));
            if (pass.First)
            {
                weightSum = (weights * mask).sum().ToDouble();
                weightTokens = mask.sum().ToDouble();
            }
        }
        var inputs = new GrpoLossInputs(logp, old, reference, part.TakeRows(pass.Advantages).to(device), mask, entropy, weights);
        var result = GrpoLoss.Compute(inputs, _options.Loss, pass.Denominator);
        return (result.Loss, new MicroBatchStats(result.Loss.ToDouble(), result.Stats, weightSum, weightTokens));
    }

    /// <summary>Records a stage move and tells the sink, naming the next stage.</summary>
    private void RecordStageSwitch(StageSwitch move)
    {
        _switches.Add(move);
        string next = move.ToStage < _options.Schedule.Stages.Count ? _options.Schedule.Stages[move.ToStage].ToString() : "end of schedule";
        Metrics.OnEvent(new TrainingEvent(Step, TrainingEventKind.StageSwitch,
            $"Stage {move.FromStage} ended after {move.StepsInFromStage} steps ({move.Reason}); next: {next}.",
            new Dictionary<string, object?> { ["from"] = move.FromStage, ["to"] = move.ToStage, ["reason"] = move.Reason, ["steps_in_stage"] = move.StepsInFromStage }));
    }

    /// <summary>min(exp(clamp(old − behaviour, ±c)), C) per token, without gradient: the truncated importance weights.</summary>
    private Tensor ImportanceWeights(Tensor old, Tensor behaviour)
    {
        using var _ = no_grad();
        double c = _options.Loss.LogRatioClamp;
        var logRatio = Scalars.Clamp(old.detach().to_type(ScalarType.Float32) - behaviour.to_type(ScalarType.Float32), -c, c);
        return Scalars.Clamp(logRatio.exp(), 0, _options.ImportanceSamplingCap);
    }

    /// <summary>
    /// The batch's rows in micro-batches of <see cref="GrpoOptions.MicroBatchSize"/>, rows of similar completion length
    /// together (shortest first), so little of each micro-batch is padding. The loss's denominator covers the whole batch, so the
    /// update does not depend on the grouping beyond rounding.
    /// </summary>
    private List<MicroBatchRows> MicroBatches(RolloutBatch batch)
    {
        var order = Enumerable.Range(0, batch.Count).OrderBy(i => batch.Completions[i].Tokens.Length).ToArray(); // stable
        var parts = new List<MicroBatchRows>();
        for (int start = 0; start < order.Length; start += _options.MicroBatchSize)
        {
            var rows = order[start..Math.Min(order.Length, start + _options.MicroBatchSize)];
            parts.Add(new MicroBatchRows(rows, rows.Max(i => Math.Max(1, batch.Completions[i].Tokens.Length))));
        }
        return parts;
    }

    /// <summary>One optimizer update's inputs: the batch, its (N) advantages, its micro-batches, the loss's denominator, and whether it is the step's first.</summary>
    private sealed record UpdatePass(RolloutBatch Batch, Tensor Advantages, List<MicroBatchRows> Parts, LossDenominator Denominator, double Temperature, bool First);

    /// <summary>What one micro-batch of the update adds to the step's statistics.</summary>
    private sealed record MicroBatchStats(double Loss, GrpoLossStats Stats, double WeightSum, double WeightTokens);

    /// <summary>Rows of one micro-batch and the longest completion among them.</summary>
    private sealed record MicroBatchRows(int[] Rows, int Width)
    {
        public List<GrpoPrompt> Prompts(RolloutBatch batch) => Rows.Select(i => batch.Prompts[i]).ToList();

        /// <summary>These rows of a (N) or (N, L) tensor.</summary>
        public Tensor TakeRows(Tensor all)
        {
            using var index = tensor(Rows.Select(i => (long)i).ToArray(), device: all.device);
            return all.index_select(0, index);
        }

        /// <summary>These rows of a (N, L) tensor, cut to <see cref="Width"/> columns.</summary>
        public Tensor Take(Tensor all)
        {
            using var rows = TakeRows(all);
            return rows.narrow(1, 0, Width).contiguous();
        }
    }

    /// <summary>Log-probs of every completion of the batch under <paramref name="model"/>, without gradient, (N, L) on the model's device.</summary>
    private Tensor FullPass(IPolicyModel model, RolloutBatch batch, double temperature)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        long width = batch.CompletionIds.shape[1];
        var parts = MicroBatches(batch);
        int workers = TrainingSetup.MicroBatchWorkers(model, parts.Count, _options.Throughput.ConcurrentMicroBatches);
        // Each micro-batch's log-probs leave its worker's scope; this thread owns them until they are copied in.
        var logps = new Tensor?[parts.Count];
        try
        {
            VisionR1.Runtime.TensorWorkers.Run(parts.Count, k =>
            {
                using var inner = NewDisposeScope();
                var part = parts[k];
                logps[k] = CompletionLogProbs.Compute(model, _encoder, part.Prompts(batch), part.Take(batch.CompletionIds), part.Take(batch.CompletionMask), temperature)
                    .LogProbs.DetachFromDisposeScope();
                return k;
            }, workers);
            Tensor? all = null;
            for (int k = 0; k < parts.Count; k++)
            {
                var logp = logps[k]!;
                all ??= zeros([batch.Count, width], logp.dtype, logp.device);
                using var index = tensor(parts[k].Rows.Select(i => (long)i).ToArray(), device: logp.device);
                all.index_copy_(0, index, nn.functional.pad(logp, [0, width - parts[k].Width]));
            }
            return all!.MoveToOuterDisposeScope();
        }
        finally
        {
            foreach (var t in logps) t?.Dispose();
        }
    }
}
