using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
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

namespace VisionR1.Grpo.Training;

/// <summary>
/// GRPO with a stage schedule, as a thin loop over the library's pieces: sample G completions per prompt
/// (<see cref="GroupSampler"/>), score them, build advantages (<see cref="RolloutBatch"/>), compute old and
/// reference log-probs when needed, and run μ AdamW updates of the clipped loss (<see cref="GrpoLoss"/>) with
/// micro-batches whose gradients are accumulated. Stage moves keep the optimizer, learning-rate position, data
/// cursor and metrics, and are logged. Checkpoints (weights, optimizer, RNG states, data cursor, stage) resume exactly.
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
    private readonly GroupSampler _sampler;
    private readonly IRolloutEngine _engine;
    private readonly IReadOnlyList<Parameter> _parameters;
    private readonly AdamWOptimizer _optimizer;
    private readonly LearningRateSchedule _lr;
    private readonly CheckpointStore? _store;
    private readonly long _padId;
    private readonly List<StageSwitch> _switches = [];
    private StageTracker _tracker;
    private DataOrder _order;
    private double? _keepRate; // share of groups kept in the last step of the current stage (OversampleByKeepRate)
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
        _sampler = new GroupSampler(_engine, tokenizer, rewards);
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
    /// damaged one stops the resume, or under <see cref="ResumeMode.LatestGood"/> is moved aside with a "checkpoint-damaged"
    /// event): weights, optimizer state, RNG state, step, stage and data cursor. Returns it, or null when there is nothing to resume. The KL reference is
    /// not stored: it was built at construction from the policy's weights as given, so construct the trainer from the
    /// same base model as the interrupted run (as <c>vr1 grpo --resume</c> does).
    /// </summary>
    public CheckpointInfo? TryResume(ResumeMode mode = ResumeMode.Latest)
    {
        if (_store?.Resume(mode, c => TrainingCheckpoint.Read<GrpoCheckpointState>(c, _policy, _optimizer, _options.Seed)) is not { } resumed) return null;
        var (latest, state) = (resumed.Checkpoint, resumed.Value);
        foreach (var aside in resumed.SetAside) Metrics.OnEvent(new TrainingEvent(aside.Step, "checkpoint-damaged", aside.ToString()));
        Step = state.Step;
        _tracker = new StageTracker(_options.Schedule, state.Schedule);
        _order = new DataOrder(_data.Count, _options.Seed, _options.ShuffleData, state.Data);
        _switches.Clear();
        _switches.AddRange(state.Switches);
        _keepRate = state.KeepRate;
        _lastCheckpoint = latest;
        Metrics.OnEvent(new TrainingEvent(Step, "resume", $"Resumed from {latest.Directory} at step {Step}, stage {state.Schedule.StageIndex}."));
        return latest;
    }

    /// <summary>Writes a checkpoint of the current state (needs <see cref="GrpoOptions.OutputDirectory"/>).</summary>
    public CheckpointInfo SaveCheckpoint(CancellationToken cancellationToken = default)
    {
        if (_store is null) throw new InvalidOperationException("Checkpointing needs GrpoOptions.OutputDirectory.");
        var state = new GrpoCheckpointState(Step, _tracker.State, _order.Cursor, _options.Seed, _switches.ToList(), _keepRate);
        _lastCheckpoint = _store.Save(Step, dir => TrainingCheckpoint.Write(dir, _policy, _optimizer, state), TrainingCheckpoint.Facts(state), cancellationToken);
        Metrics.OnEvent(new TrainingEvent(Step, "checkpoint", $"Checkpoint written to {_lastCheckpoint.Directory}."));
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
        if (Finished) Metrics.OnEvent(new TrainingEvent(Step, "finished", $"The schedule finished after {Step} steps."));
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
        var stepWatch = Stopwatch.StartNew();
        double temperature = stage.Temperature ?? _options.Temperature;
        var settings = new SamplingSettings(stage.MaxCompletionLength, temperature, _options.TopP, _options.TopK);
        using var scope = NewDisposeScope();

        // 0. Publish the weights to an engine that samples from its own copy (before the first step, then every k steps).
        double syncSeconds = 0;
        if (_engine.NeedsWeightSync && _engine.ServedVersion != Step && (_engine.ServedVersion is null || Step % _options.SyncEverySteps == 0))
        {
            var syncWatch = Stopwatch.StartNew();
            _engine.SyncWeightsAsync(_policy, Step, cancellationToken).ConfigureAwait(false).GetAwaiter().GetResult();
            syncSeconds = syncWatch.Elapsed.TotalSeconds;
            Metrics.OnEvent(new TrainingEvent(Step, "weight_sync", $"{_engine.Name} serves weight version {Step} ({syncSeconds:0.###} s)."));
        }
        long? rolloutVersion = _engine.NeedsWeightSync ? _engine.ServedVersion : null;
        int retries = 0;

        // 1. Sample and score (refilling when dynamic sampling drops flat groups).
        var sampled = new List<CompletionGroup>();
        var kept = new List<CompletionGroup>();
        int promptsSampled = 0, rounds = 0;
        double genSeconds = 0, scoreSeconds = 0;
        do
        {
            int need = rounds == 0 ? FirstRoundCount() : RefillCount(_options.PromptsPerStep - kept.Count, kept.Count, promptsSampled, _options.RefillByKeepRate);
            var prompts = _order.Take(need).Select(i => _data[i]).ToList();
            promptsSampled += need;
            var request = new RolloutRequest(prompts, stage.GroupSize, settings, SeedMixer.Mix(_options.Seed, Step, rounds),
                new RolloutStep(Step, _tracker.State.StageIndex, stage), rounds, _options.GenerationBatchSize, _options.ConcurrentGenerations);
            var groups = _sampler.Sample(request, cancellationToken);
            genSeconds += _sampler.LastGenerationSeconds;
            retries += _sampler.LastRetries;
            scoreSeconds += _sampler.LastScoringSeconds;
            sampled.AddRange(groups);
            kept.AddRange(_options.DynamicSampling ? groups.Where(g => !g.ZeroSpread) : groups);
            rounds++;
        }
        while (_options.DynamicSampling && kept.Count < _options.PromptsPerStep && rounds <= _options.MaxRefillRounds);
        if (_options.DynamicSampling && sampled.Count > 0) _keepRate = kept.Count / (double)sampled.Count;
        if (kept.Count > _options.PromptsPerStep) kept.RemoveRange(_options.PromptsPerStep, kept.Count - _options.PromptsPerStep);

        double lr = _lr.At(Step);
        _optimizer.LearningRate = lr;
        var acc = new StatsAccumulator();
        double logProbSeconds = 0, trainSeconds = 0, gradNorm = 0, isSum = 0, isTokens = 0;
        double zeroStd = sampled.Count(g => g.ZeroSpread) / (double)sampled.Count; // over everything sampled, before dynamic sampling drops groups
        int trainedCompletions = 0, trainedTokens = 0;
        if (kept.Count == 0)
        {
            Metrics.OnEvent(new TrainingEvent(Step + 1, "skipped_step", $"Every sampled group had equal rewards after {rounds} round(s); no update."));
        }
        else
        {
            using var batch = RolloutBatch.Build(kept, _options.Advantages, _options.MaskTruncatedCompletions, _padId);
            trainedCompletions = batch.Count;
            trainedTokens = batch.TokenCount;

            // 2. Old and reference log-probs (no gradient).
            var sw = Stopwatch.StartNew();
            if (_options.UpdatesPerRollout > 1) batch.SetOldLogProbs(FullPass(_policy, batch, temperature));
            if (_reference is not null) batch.SetRefLogProbs(FullPass(_reference, batch, temperature));
            logProbSeconds = sw.Elapsed.TotalSeconds;

            // 3. μ updates over micro-batches with accumulated gradients.
            sw.Restart();
            var denominator = new LossDenominator(batch.TokenCount, batch.Count, stage.MaxCompletionLength);
            var device = CompletionLogProbs.DeviceOf(_policy);
            _policy.Module.train();
            var parts = MicroBatches(batch);
            int workers = TrainingSetup.MicroBatchWorkers(_policy, parts.Count, _options.ConcurrentMicroBatches);
            for (int update = 0; update < _options.UpdatesPerRollout; update++)
            {
                _optimizer.ZeroGrad();
                bool first = update == 0;
                (Tensor Loss, MicroBatchStats Stats) Micro(int k)
                {
                    var part = parts[k];
                    var ids = part.Take(batch.CompletionIds);
                    var mask = part.Take(batch.CompletionMask).to(device);
                    var (logp, entropy) = CompletionLogProbs.Compute(_policy, _encoder, part.Prompts(batch), ids, mask, temperature, withEntropy: first);
                    var old = batch.OldLogProbs is { } o ? part.Take(o) : logp.detach();
                    var reference = batch.RefLogProbs is { } r ? part.Take(r) : null;
                    Tensor? weights = null;
                    double partIsSum = 0, partIsTokens = 0;
                    if (_engine.NeedsWeightSync && batch.BehaviourLogProbs is { } behaviour)
                    {
                        weights = ImportanceWeights(old, part.Take(behaviour).to(device));
                        if (first)
                        {
                            partIsSum = (weights * mask).sum().ToDouble();
                            partIsTokens = mask.sum().ToDouble();
                        }
                    }
                    var result = GrpoLoss.Compute(new GrpoLossInputs(logp, old, reference, part.TakeRows(batch.Advantages).to(device), mask, entropy, weights), _options.Loss, denominator);
                    return (result.Loss, new MicroBatchStats(result.Loss.ToDouble(), result.Stats, partIsSum, partIsTokens));
                }
                void Add(MicroBatchStats m)
                {
                    acc.Add(m.Loss, m.Stats, first);
                    isSum += m.IsSum;
                    isTokens += m.IsTokens;
                }
                foreach (var m in MicroBatchBackward.Run(_parameters, parts.Count, workers, Micro, cancellationToken)) Add(m); // in micro-batch order
                gradNorm = TrainingSetup.ClipGradients(_parameters, _options.MaxGradNorm);
                TrainingSetup.EnsureFinite("grpo", Step + 1, acc.Loss(1), gradNorm, _lastCheckpoint);
                _optimizer.Step();
            }
            trainSeconds = sw.Elapsed.TotalSeconds;
        }

        // 4. Schedule and metrics.
        var completions = sampled.SelectMany(g => g.Completions).ToList();
        double clippedRatio = completions.Count == 0 ? 0 : completions.Count(c => c.Truncated) / (double)completions.Count;
        int stageIndex = _tracker.State.StageIndex;
        Step++;
        var move = _tracker.Complete(promptsSampled, clippedRatio);
        if (move is not null) _keepRate = null; // a new stage keeps groups at its own rate
        double stepSeconds = stepWatch.Elapsed.TotalSeconds;
        var totals = RewardStats.Of(completions.Select(c => c.Reward).ToList());
        var judged = completions.Where(c => c.Correct is not null).ToList();
        var checkedFormat = completions.Where(c => c.FormatOk is not null).ToList();
        var metrics = new GrpoStepMetrics
        {
            Step = Step,
            Stage = stageIndex,
            StageName = stage.Name,
            GroupSize = stage.GroupSize,
            MaxCompletionLength = stage.MaxCompletionLength,
            Temperature = temperature,
            Prompts = kept.Count,
            PromptsSampled = promptsSampled,
            Completions = trainedCompletions,
            Tokens = trainedTokens,
            RewardMean = totals.Mean,
            RewardStd = totals.Std,
            Rewards = RewardSummary(completions),
            Accuracy = judged.Count == 0 ? null : judged.Count(c => c.Correct == true) / (double)judged.Count,
            FormatRate = checkedFormat.Count == 0 ? null : checkedFormat.Count(c => c.FormatOk == true) / (double)checkedFormat.Count,
            CompletionLengthMean = completions.Count == 0 ? 0 : completions.Average(c => c.Tokens.Length),
            CompletionLengthMax = completions.Count == 0 ? 0 : completions.Max(c => c.Tokens.Length),
            ClippedRatio = clippedRatio,
            Kl = acc.Kl,
            Entropy = acc.Entropy,
            ClipFraction = acc.ClipFraction,
            RatioMean = acc.RatioMean,
            RatioMin = acc.RatioMin,
            RatioMax = acc.RatioMax,
            FracRewardZeroStd = zeroStd,
            Loss = acc.Loss(_options.UpdatesPerRollout),
            LearningRate = lr,
            GradNorm = gradNorm,
            TokensPerSecond = stepSeconds > 0 ? completions.Sum(c => c.Tokens.Length) / stepSeconds : 0,
            GenerationSeconds = genSeconds,
            ScoringSeconds = scoreSeconds,
            LogProbSeconds = logProbSeconds,
            TrainingSeconds = trainSeconds,
            StepSeconds = stepSeconds,
            WeightSyncSeconds = syncSeconds,
            RolloutVersion = rolloutVersion,
            RolloutRetries = retries,
            ImportanceWeightMean = isTokens > 0 ? isSum / isTokens : null,
        };
        Metrics.OnGrpoStep(metrics);
        if (move is not null)
        {
            _switches.Add(move);
            string next = move.ToStage < _options.Schedule.Stages.Count ? _options.Schedule.Stages[move.ToStage].ToString() : "end of schedule";
            Metrics.OnEvent(new TrainingEvent(Step, "stage_switch",
                $"Stage {move.FromStage} ended after {move.StepsInFromStage} steps ({move.Reason}); next: {next}.",
                new Dictionary<string, object?> { ["from"] = move.FromStage, ["to"] = move.ToStage, ["reason"] = move.Reason, ["steps_in_stage"] = move.StepsInFromStage }));
        }
        return metrics;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _reference?.Dispose();
        _optimizer.Dispose();
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
    /// together (shortest first), so little of each micro-batch is padding; with <see cref="GrpoOptions.BalancedMicroBatches"/>,
    /// in a multiple of <see cref="GrpoOptions.ConcurrentMicroBatches"/> micro-batches of even padded completion positions
    /// (<see cref="MicroBatchCuts.Balanced"/>). The loss's denominator covers the whole batch, so the update does not depend on
    /// the grouping beyond rounding.
    /// </summary>
    private List<MicroBatchRows> MicroBatches(RolloutBatch batch)
    {
        var order = Enumerable.Range(0, batch.Count).OrderBy(i => batch.Completions[i].Tokens.Length).ToArray(); // stable
        int Width(int i) => Math.Max(1, batch.Completions[i].Tokens.Length);
        var sizes = new List<int>();
        int m = _options.ConcurrentMicroBatches;
        if (_options.BalancedMicroBatches && m > 1 && order.Length > 1)
        {
            int needed = (order.Length + _options.MicroBatchSize - 1) / _options.MicroBatchSize;
            int count = Math.Min(order.Length, (needed + m - 1) / m * m);
            sizes.AddRange(MicroBatchCuts.Balanced(order.Select(Width).ToList(), count, _options.MicroBatchSize));
        }
        else
            for (int start = 0; start < order.Length; start += _options.MicroBatchSize)
                sizes.Add(Math.Min(_options.MicroBatchSize, order.Length - start));
        var parts = new List<MicroBatchRows>();
        int first = 0;
        foreach (int size in sizes)
        {
            var rows = order[first..(first + size)];
            parts.Add(new MicroBatchRows(rows, rows.Max(Width)));
            first += size;
        }
        return parts;
    }

    /// <summary>What one micro-batch of the update adds to the step's statistics.</summary>
    private sealed record MicroBatchStats(double Loss, GrpoLossStats Stats, double IsSum, double IsTokens);

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
        int workers = TrainingSetup.MicroBatchWorkers(model, parts.Count, _options.ConcurrentMicroBatches);
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

    private static Dictionary<string, RewardStats> RewardSummary(IReadOnlyList<ScoredCompletion> completions)
    {
        var names = completions.SelectMany(c => c.Parts.Keys).Distinct(StringComparer.Ordinal).OrderBy(n => n, StringComparer.Ordinal);
        return names.ToDictionary(n => n, n => RewardStats.Of(completions.Where(c => c.Parts.ContainsKey(n)).Select(c => c.Parts[n]).ToList()), StringComparer.Ordinal);
    }

    /// <summary>Token-weighted means of the loss statistics over micro-batches and updates.</summary>
    private sealed class StatsAccumulator
    {
        private double _tokens, _kl, _clip, _ratio, _entropyTokens, _entropy, _loss;
        private bool _hasEntropy;

        public double RatioMin { get; private set; } = 1;
        public double RatioMax { get; private set; } = 1;

        public void Add(double loss, GrpoLossStats s, bool firstUpdate)
        {
            _loss += loss;
            if (s.TokenCount <= 0) return;
            if (_tokens == 0)
            {
                RatioMin = s.RatioMin;
                RatioMax = s.RatioMax;
            }
            else
            {
                RatioMin = Math.Min(RatioMin, s.RatioMin);
                RatioMax = Math.Max(RatioMax, s.RatioMax);
            }
            _tokens += s.TokenCount;
            _kl += s.Kl * s.TokenCount;
            _clip += s.ClipFraction * s.TokenCount;
            _ratio += s.RatioMean * s.TokenCount;
            if (firstUpdate && s.Entropy is { } e)
            {
                _hasEntropy = true;
                _entropy += e * s.TokenCount;
                _entropyTokens += s.TokenCount;
            }
        }

        public double Kl => _tokens > 0 ? _kl / _tokens : 0;
        public double ClipFraction => _tokens > 0 ? _clip / _tokens : 0;
        public double RatioMean => _tokens > 0 ? _ratio / _tokens : 1;
        public double? Entropy => _hasEntropy && _entropyTokens > 0 ? _entropy / _entropyTokens : null;

        /// <summary>The loss of each update is the sum over its micro-batches; this is their mean over updates.</summary>
        public double Loss(int updates) => _loss / updates;
    }

    /// <summary>Prompts of a step's first sampling round (<see cref="GrpoOptions.OversampleByKeepRate"/>).</summary>
    private int FirstRoundCount() =>
        _options.DynamicSampling && _options.OversampleByKeepRate && _keepRate is { } rate
            ? OversampleCount(_options.PromptsPerStep, rate, _options.OversampleMargin)
            : _options.PromptsPerStep;

    /// <summary>
    /// ⌈prompts · margin / rate⌉ within [prompts, 4 · prompts]: the first round's prompts when the last step kept
    /// <paramref name="keepRate"/> of its groups (a rate of 0 gives the cap).
    /// </summary>
    internal static int OversampleCount(int prompts, double keepRate, double margin)
    {
        if (keepRate <= 0) return 4 * prompts;
        double wanted = Math.Ceiling(prompts * margin / keepRate - 1e-9);
        return (int)Math.Clamp(wanted, prompts, 4.0 * prompts);
    }

    /// <summary>
    /// Prompts to sample in a refill round: the <paramref name="missing"/> groups, or with <paramref name="byKeepRate"/> those divided
    /// by the share of the step's groups kept so far (at least one counted), capped at four times <paramref name="missing"/>.
    /// </summary>
    internal static int RefillCount(int missing, int kept, int sampled, bool byKeepRate)
    {
        if (!byKeepRate) return missing;
        double keepRate = Math.Max(kept, 1) / (double)sampled;
        return (int)Math.Min(4L * missing, (long)Math.Ceiling(missing / keepRate));
    }
}
