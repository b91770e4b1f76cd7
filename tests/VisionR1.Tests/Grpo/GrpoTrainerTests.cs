using TorchSharp;
using TorchSharp.Modules;
using VisionR1.Grpo.Loss;
using VisionR1.Grpo.Metrics;
using VisionR1.Grpo.Policies;
using VisionR1.Grpo.Rewards;
using VisionR1.Grpo.Rollout;
using VisionR1.Grpo.Schedule;
using VisionR1.Grpo.Training;
using VisionR1.Inputs;
using VisionR1.Runtime;
using VisionR1.Tests.Grpo.Fixtures;
using static TorchSharp.torch;

namespace VisionR1.Tests.Grpo;

public sealed class GrpoTrainerTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-grpo-");

    public GrpoTrainerTests() => VisionR1Runtime.Initialize("cpu", threads: 1);

    public void Dispose() => _dir.Delete(recursive: true);

    private static GrpoOptions Small(PtstSchedule schedule, string? output = null) => new()
    {
        Schedule = schedule,
        PromptsPerStep = 3,
        LearningRate = 1e-2,
        MicroBatchSize = 5,
        UpdatesPerRollout = 2,
        Loss = new GrpoLossOptions(Beta: 0.05),
        Seed = 5,
        OutputDirectory = output,
        SaveEverySteps = 1,
    };

    private static GrpoTrainer Trainer(IPolicyModel policy, GrpoOptions options, IMetricsSink? sink = null) =>
        new(policy, new SumPromptEncoder(), new TinyTokenizer(), [new WeightedReward(new SumReward())], SumTask.Prompts(), options, sink);

    private static long AdamStep(AdamWOptimizer optimizer) => optimizer.ParameterStep(0);

    [Fact]
    public void Ptst_switches_stage_at_the_configured_step_keeping_optimizer_and_data_cursor()
    {
        using var policy = new TinyGruPolicy(1);
        var sink = new InMemoryMetricsSink();
        using var trainer = Trainer(policy, Small(new PtstSchedule([new PtstStage(6, 4, 2, Name: "a"), new PtstStage(9, 2, 2, Name: "b")])), sink);
        var optimizer = trainer.Optimizer;
        trainer.Train();

        Assert.Equal(4, trainer.Step);
        Assert.True(trainer.Finished);
        Assert.Equal([4, 4, 2, 2], sink.GrpoSteps.Select(m => m.GroupSize));
        Assert.Equal([6, 6, 9, 9], sink.GrpoSteps.Select(m => m.MaxCompletionLength));
        Assert.Equal([12, 12, 6, 6], sink.GrpoSteps.Select(m => m.Completions));
        Assert.Equal([0, 0, 1, 1], sink.GrpoSteps.Select(m => m.Stage));
        var switches = sink.Events.Where(e => e.Kind == TrainingEventKind.StageSwitch).ToList();
        Assert.Equal(2, switches.Count);
        Assert.Equal(2, switches[0].Step);
        Assert.Contains("Stage 0 ended after 2 steps (steps)", switches[0].Message);
        // Same optimizer object, and its moments kept counting through the switch: 4 steps × μ = 2 updates.
        Assert.Same(optimizer, trainer.Optimizer);
        Assert.Equal(8, AdamStep(trainer.Optimizer));
        // 4 steps × 3 prompts = 12 prompts of 9: one epoch and 3 into the next, no restart at the switch.
        Assert.Equal(new DataCursor(1, 3), trainer.DataCursor);
    }

    [Fact]
    public void Ptst_switches_early_when_the_clipped_ratio_trigger_fires()
    {
        using var policy = new TinyGruPolicy(2).WithoutEndOfSequence();
        var sink = new InMemoryMetricsSink();
        // With the end-of-sequence token suppressed every completion is truncated, so the clipped ratio is 1.
        var schedule = new PtstSchedule([new PtstStage(2, 4, 100, SwitchTrigger: new StageSwitchTrigger(0.5, 2)), new PtstStage(6, 2, 1)]);
        using var trainer = Trainer(policy, Small(schedule), sink);
        trainer.Train();
        Assert.Equal(3, trainer.Step);
        Assert.Equal([1.0, 1.0], sink.GrpoSteps.Take(2).Select(m => m.ClippedRatio));
        Assert.Equal(new StageSwitch(0, 1, 2, "trigger"), trainer.Switches[0]);
        Assert.Equal(6, sink.GrpoSteps[2].MaxCompletionLength);
    }

    [Fact]
    public void Resume_after_n_steps_gives_the_same_weights_as_2n_steps_in_one_run()
    {
        var schedule = new PtstSchedule([new PtstStage(6, 4, 2), new PtstStage(8, 2, 4)]);
        float[] continuous;
        using (var policy = new TinyGruPolicy(3))
        using (var trainer = Trainer(policy, Small(schedule, Path.Combine(_dir.FullName, "a"))))
        {
            trainer.Train(6);
            continuous = policy.Snapshot();
        }

        var outB = Path.Combine(_dir.FullName, "b");
        using (var policy = new TinyGruPolicy(3))
        using (var trainer = Trainer(policy, Small(schedule, outB)))
            trainer.Train(3);

        using (var policy = new TinyGruPolicy(3))
        using (var trainer = Trainer(policy, Small(schedule, outB)))
        {
            var from = trainer.TryResume();
            Assert.NotNull(from);
            Assert.Equal(3, from!.Step);
            Assert.Equal(1, trainer.ScheduleState.StageIndex);
            Assert.Equal(1, trainer.ScheduleState.StepInStage);
            trainer.Train(3);
            Assert.Equal(6, trainer.Step);
            var resumed = policy.Snapshot();
            Assert.Equal(continuous.Length, resumed.Length);
            Assert.True(continuous.SequenceEqual(resumed), "weights after resume differ from a continuous run");
        }
    }

    [Fact]
    public void An_interrupted_checkpoint_write_leaves_the_previous_checkpoint_loadable()
    {
        var schedule = PtstSchedule.Single(6, 2, 10);
        var output = Path.Combine(_dir.FullName, "c");
        float[] atStep1;
        using (var policy = new FailingSavePolicy(new TinyGruPolicy(4)))
        using (var trainer = Trainer(policy, Small(schedule, output) with { SaveEverySteps = 100 }))
        {
            trainer.TrainStep();
            trainer.SaveCheckpoint();
            atStep1 = policy.Inner.Snapshot();
            trainer.TrainStep();
            policy.FailNextSave = true;
            Assert.Throws<IOException>(() => trainer.SaveCheckpoint());
        }
        using (var policy = new TinyGruPolicy(99))
        using (var trainer = Trainer(policy, Small(schedule, output)))
        {
            Assert.Equal(1, trainer.TryResume()!.Step);
            Assert.True(atStep1.SequenceEqual(policy.Snapshot()));
        }
        Assert.Empty(Directory.GetDirectories(Path.Combine(output, "checkpoints"), ".tmp-*"));
    }

    [Fact]
    public void Resuming_with_another_seed_is_refused_and_names_both_seeds()
    {
        var schedule = PtstSchedule.Single(6, 2, 10);
        var output = Path.Combine(_dir.FullName, "seed");
        using (var policy = new TinyGruPolicy(4))
        using (var trainer = Trainer(policy, Small(schedule, output)))
        {
            trainer.TrainStep();
            trainer.SaveCheckpoint();
        }
        using (var policy = new TinyGruPolicy(4))
        using (var trainer = Trainer(policy, Small(schedule, output) with { Seed = 12345 }))
        {
            var e = Assert.Throws<InvalidOperationException>(() => trainer.TryResume());
            Assert.Contains("seed", e.Message);
            Assert.Contains("12345", e.Message);
        }
    }

    [Fact]
    public void Cancellation_finishes_the_current_step_and_checkpoints_it()
    {
        using var policy = new TinyGruPolicy(13);
        using var cts = new CancellationTokenSource();
        var sink = new CancelAfterFirstStep(cts);
        var output = Path.Combine(_dir.FullName, "cancel");
        using var trainer = Trainer(policy, Small(PtstSchedule.Single(6, 2, 10), output) with { SaveEverySteps = 100 }, sink);
        var result = trainer.Train(cancellationToken: cts.Token);
        Assert.False(result.Finished);
        Assert.Equal(1, result.Step);
        Assert.Equal(1, result.LastCheckpoint!.Step);
    }

    private sealed class CancelAfterFirstStep(CancellationTokenSource cts) : IMetricsSink
    {
        public void OnGrpoStep(GrpoStepMetrics metrics) => cts.Cancel();
    }

    [Fact]
    public void Reference_model_exists_only_when_beta_is_positive()
    {
        using var p1 = new TinyGruPolicy(5);
        using (var t = Trainer(p1, Small(PtstSchedule.Single(6, 2, 1)) with { Loss = new GrpoLossOptions(Beta: 0) }))
            Assert.Null(t.Reference);
        using var p2 = new TinyGruPolicy(5);
        using var t2 = Trainer(p2, Small(PtstSchedule.Single(6, 2, 1)));
        Assert.NotNull(t2.Reference);
        Assert.All(t2.Reference!.Module.parameters(), p => Assert.False(p.requires_grad));
    }

    [Fact]
    public void Several_updates_per_rollout_move_the_ratio_away_from_one()
    {
        // The ratio can only move if the first update moves the policy, which needs non-zero advantages. An untrained
        // policy's completions almost never earn the task's reward, so with it the verdict hung on what one CPU's sampling
        // happened to draw. Here every group has reward variance by construction (alternate completions score 1), and no
        // completion ends early, so the completions of a group differ and their gradients cannot cancel.
        using var policy = new TinyGruPolicy(6).WithoutEndOfSequence();
        var options = Small(PtstSchedule.Single(6, 4, 1)) with { UpdatesPerRollout = 3, LearningRate = 5e-2 };
        using var trainer = new GrpoTrainer(policy, new SumPromptEncoder(), new TinyTokenizer(), [new WeightedReward(new AlternatingReward())], SumTask.Prompts(), options);
        var m = trainer.TrainStep();
        Assert.Equal(0.0, m.FracRewardZeroStd);
        Assert.True(m.RatioMax > 1 || m.RatioMin < 1, $"ratio stayed at 1 ({m.RatioMin}..{m.RatioMax})");
        using var single = new TinyGruPolicy(6);
        using var t1 = Trainer(single, Small(PtstSchedule.Single(6, 4, 1)) with { UpdatesPerRollout = 1 });
        var m1 = t1.TrainStep();
        Assert.Equal(1.0, m1.RatioMin);
        Assert.Equal(1.0, m1.RatioMax);
    }

    [Fact]
    public void Kl_folded_into_the_reward_gives_a_gradient_when_the_task_rewards_are_all_equal()
    {
        // Step 1's rewards alternate, so the policy leaves the reference; step 2's are all equal, so within a group only
        // r − β·Σ KL differs, and with the KL in the reward (RLOO) that alone must drive the update.
        GrpoStepMetrics SecondStep(double beta)
        {
            using var policy = new TinyGruPolicy(6).WithoutEndOfSequence();
            var options = Small(PtstSchedule.Single(6, 4, 2)) with
            {
                Algorithm = GrpoAlgorithm.Rloo,
                Loss = AlgorithmDefaults.For(GrpoAlgorithm.Rloo).Loss with { Beta = beta },
                UpdatesPerRollout = 1,
                LearningRate = 5e-2,
                MaxGradNorm = 0,
            };
            using var trainer = new GrpoTrainer(policy, new SumPromptEncoder(), new TinyTokenizer(), [new WeightedReward(new AlternatingThenFlatReward())], SumTask.Prompts(), options);
            Assert.True(trainer.TrainStep().GradNorm > 0);
            return trainer.TrainStep();
        }
        var folded = SecondStep(0.5);
        Assert.True(folded.GradNorm > 0, "no gradient from the KL in the reward");
        Assert.True(folded.Kl > 0);
        Assert.Equal(0.0, SecondStep(0).GradNorm);
    }

    /// <summary>Alternating rewards at the first step (every group has spread), then 1 for every completion.</summary>
    private sealed class AlternatingThenFlatReward : IRewardFunction
    {
        private readonly AlternatingReward _alternating = new();

        public string Name => "alternating_then_flat";

        public IReadOnlyList<RewardOutput> Score(IReadOnlyList<RewardInput> batch, CancellationToken cancellationToken = default)
        {
            var alternating = _alternating.Score(batch, cancellationToken);
            return batch.Select((x, i) => x.Context.Step == 0 ? alternating[i] : new RewardOutput(1.0)).ToList();
        }
    }

    [Fact]
    public void Masking_truncated_completions_removes_them_from_the_loss()
    {
        using var policy = new TinyGruPolicy(7).WithoutEndOfSequence();
        // Every completion is truncated (end-of-sequence suppressed), so nothing is left to train on.
        using var trainer = Trainer(policy, Small(PtstSchedule.Single(2, 4, 1)) with { MaskTruncatedCompletions = true });
        var m = trainer.TrainStep();
        Assert.Equal(1.0, m.ClippedRatio);
        Assert.Equal(0, m.Tokens);
        Assert.Equal(0.0, m.GradNorm);
        using var unmasked = new TinyGruPolicy(7).WithoutEndOfSequence();
        using var t2 = Trainer(unmasked, Small(PtstSchedule.Single(2, 4, 1)));
        Assert.Equal(3 * 4 * 2, t2.TrainStep().Tokens);
    }

    [Fact]
    public void Dynamic_sampling_drops_flat_groups_and_refills()
    {
        using var policy = new TinyGruPolicy(8);
        // An untrained policy almost never gets the format right: nearly every group is flat at 0.
        var sink = new InMemoryMetricsSink();
        using var trainer = Trainer(policy, Small(PtstSchedule.Single(6, 2, 1)) with { DynamicSampling = true, MaxRefillRounds = 2 }, sink);
        var m = trainer.TrainStep();
        Assert.True(m.PromptsSampled > 3, "flat groups should have triggered refills");
        Assert.True(m.Prompts <= 3);
        Assert.Equal(1.0, m.FracRewardZeroStd);
        Assert.Contains(sink.Events, e => e.Kind == TrainingEventKind.SkippedStep);
    }

    [Fact]
    public void Refills_sample_the_missing_groups_over_the_share_kept_so_far()
    {
        // Every group is flat by construction (a constant reward), so every refill round runs: 3 prompts, then (none kept, counted
        // as one) min(3 / (1/3), 4 × 3) = 9, then min(3 / (1/12), 12) = 12.
        using (var policy = new TinyGruPolicy(8))
        {
            var options = Small(PtstSchedule.Single(6, 2, 1)) with { DynamicSampling = true, MaxRefillRounds = 2 };
            using var trainer = new GrpoTrainer(policy, new SumPromptEncoder(), new TinyTokenizer(), [new WeightedReward(new ConstantReward())], SumTask.Prompts(), options);
            var m = trainer.TrainStep();
            Assert.Equal(24, m.PromptsSampled);
            Assert.Equal(0, m.Prompts);
        }
        // Groups that all differ need no refill.
        using (var policy = new TinyGruPolicy(8))
        using (var trainer = new GrpoTrainer(policy, new SumPromptEncoder(), new TinyTokenizer(), [new WeightedReward(new AlternatingReward())], SumTask.Prompts(),
            Small(PtstSchedule.Single(6, 2, 1)) with { DynamicSampling = true }))
            Assert.Equal(3, trainer.TrainStep().PromptsSampled);
        // The arithmetic of a round: half kept so far, 4 missing → 8; the cap is four times the missing groups.
        Assert.Equal(8, DynamicSampler.RefillCount(4, 8, 16));
        Assert.Equal(40, DynamicSampler.RefillCount(10, 1, 100));
    }

    [Fact]
    public void The_first_round_is_sized_by_the_last_keep_rate_which_survives_a_resume_and_resets_at_a_stage_switch()
    {
        // Half of the groups of every sampling round are flat by construction (HalfFlatReward), whatever the policy samples.
        // Step 1 has no rate: 4 prompts keep 2, the keep-rate refill samples 2 / (2/4) = 4 more and keeps 2: rate 4/8.
        // Step 2 samples ⌈4 · 1.15 / 0.5⌉ = 10 at once (5 kept, 4 trained on).
        var stages = new PtstSchedule([new PtstStage(6, 2, 2, Name: "a"), new PtstStage(6, 2, 2, Name: "b")]);
        GrpoOptions Options(string? dir = null) => Small(stages, dir) with { PromptsPerStep = 4, DynamicSampling = true };
        GrpoTrainer New(IPolicyModel policy, GrpoOptions options) =>
            new(policy, new SumPromptEncoder(), new TinyTokenizer(), [new WeightedReward(new HalfFlatReward())], SumTask.Prompts(), options);

        using (var policy = new TinyGruPolicy(8))
        using (var trainer = New(policy, Options()))
        {
            var sampled = Enumerable.Range(0, 4).Select(_ => trainer.TrainStep()).Select(m => (m.PromptsSampled, m.Prompts)).ToList();
            // Stage b's first step (step 3) has no rate of its own and samples as step 1 did.
            Assert.Equal(new[] { 8, 10, 8, 10 }, sampled.Select(x => x.PromptsSampled).ToArray());
            Assert.All(sampled, x => Assert.Equal(4, x.Prompts));
        }

        // The rate is in the checkpoint: a trainer resumed after step 1 samples step 2 as the uninterrupted one.
        var dir = Path.Combine(_dir.FullName, "oversample");
        using (var policy = new TinyGruPolicy(8))
        using (var trainer = New(policy, Options(dir)))
        {
            trainer.TrainStep();
            trainer.SaveCheckpoint();
        }
        using (var policy = new TinyGruPolicy(8))
        using (var resumed = New(policy, Options(dir)))
        {
            Assert.Equal(1, resumed.TryResume()!.Step);
            Assert.Equal(10, resumed.TrainStep().PromptsSampled);
        }

        // The arithmetic: ⌈16 · 1.15 / 0.57⌉ = 33; never fewer than the prompts per step, never more than four times them.
        Assert.Equal(33, DynamicSampler.OversampleCount(16, 0.57));
        Assert.Equal(19, DynamicSampler.OversampleCount(16, 1.0));
        Assert.Equal(64, DynamicSampler.OversampleCount(16, 0.1));
        Assert.Equal(64, DynamicSampler.OversampleCount(16, 0));
    }

    /// <summary>
    /// In each scoring call (one round: groups of two completions, in order), the 1st, 3rd, … group gets one reward (flat) and the
    /// others 1 then 0, so that half of every round's groups are kept even where a prompt comes twice (the data order wrapped).
    /// </summary>
    private sealed class HalfFlatReward : IRewardFunction
    {
        public string Name => "half_flat";

        public IReadOnlyList<RewardOutput> Score(IReadOnlyList<RewardInput> batch, CancellationToken cancellationToken = default) =>
            batch.Select((x, i) => new RewardOutput((i / 2) % 2 == 0 ? 0.5 : 1 - i % 2, new Dictionary<string, double>())).ToList();
    }

    private sealed class ConstantReward : IRewardFunction
    {
        public string Name => "constant";

        public IReadOnlyList<RewardOutput> Score(IReadOnlyList<RewardInput> batch, CancellationToken cancellationToken = default) =>
            batch.Select(_ => new RewardOutput(0.5, new Dictionary<string, double>())).ToList();
    }

    [Fact]
    public void Fifty_grpo_steps_leak_no_tensors()
    {
        using var policy = new TinyGruPolicy(9);
        using var trainer = Trainer(policy, Small(PtstSchedule.Single(4, 2, 60)) with { PromptsPerStep = 2 });
        for (int i = 0; i < 5; i++) trainer.TrainStep();
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 50; i++) trainer.TrainStep();
        long after = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Assert.True(after - before <= 0, $"live tensors grew from {before} to {after} over 50 steps");
    }

    [Fact]
    public void Metrics_reach_the_jsonl_file_with_snake_case_names()
    {
        using var policy = new TinyGruPolicy(10);
        var dir = Path.Combine(_dir.FullName, "m");
        using (var sink = new JsonlMetricsSink(dir))
        using (var trainer = Trainer(policy, Small(PtstSchedule.Single(6, 2, 2)), sink))
            trainer.Train();
        var lines = File.ReadAllLines(Path.Combine(dir, JsonlMetricsSink.MetricsFileName));
        Assert.Equal(2, lines.Length);
        foreach (var key in new[] { "\"step\":1", "\"reward_mean\"", "\"frac_reward_zero_std\"", "\"clipped_ratio\"", "\"kl\"", "\"entropy\"", "\"clip_fraction\"", "\"learning_rate\"", "\"grad_norm\"", "\"tokens_per_second\"", "\"generation_seconds\"", "\"training_seconds\"", "\"hard_format_result\"", "\"accuracy\":", "\"format_rate\"" })
            Assert.Contains(key, lines[0]);
        // Reopened for a resume at step 1, the later line is dropped.
        using (new JsonlMetricsSink(dir, keepUpToStep: 1)) { }
        Assert.Single(File.ReadAllLines(Path.Combine(dir, JsonlMetricsSink.MetricsFileName)));
    }

    [Fact]
    public void Rewards_see_each_completion_with_its_token_count_truncation_step_and_stage()
    {
        using var policy = new TinyGruPolicy(12).WithoutEndOfSequence();
        var spy = new SpyReward();
        using var trainer = new GrpoTrainer(policy, new SumPromptEncoder(), new TinyTokenizer(), [new WeightedReward(spy)], SumTask.Prompts(), Small(PtstSchedule.Single(3, 2, 1)));
        trainer.TrainStep();
        Assert.Equal(6, spy.Seen.Count);
        Assert.All(spy.Seen, x =>
        {
            Assert.Equal(3, x.Context.CompletionTokens);
            Assert.True(x.Context.Truncated);
            Assert.Equal(3, x.Context.MaxCompletionLength);
            Assert.Equal(0, x.Context.Step);
            Assert.Equal(0, x.Context.StageIndex);
            Assert.Equal(3, x.Context.Stage!.MaxCompletionLength);
            Assert.Equal(x.Prompt.Problem.Answer, x.GroundTruth);
        });
    }

    private sealed class SpyReward : VisionR1.Grpo.Rewards.IRewardFunction
    {
        public List<VisionR1.Grpo.Rewards.RewardInput> Seen { get; } = [];
        public string Name => "spy";

        public IReadOnlyList<VisionR1.Grpo.Rewards.RewardOutput> Score(IReadOnlyList<VisionR1.Grpo.Rewards.RewardInput> batch, CancellationToken cancellationToken = default)
        {
            Seen.AddRange(batch);
            return batch.Select(_ => new VisionR1.Grpo.Rewards.RewardOutput(0, new Dictionary<string, double>())).ToList();
        }
    }

    /// <summary>Wraps a policy; when told to, its next weight save writes half a file and throws, like a crash mid-write.</summary>
    private sealed class FailingSavePolicy(TinyGruPolicy inner) : IPolicyModel
    {
        public TinyGruPolicy Inner { get; } = inner;
        public bool FailNextSave { get; set; }
        public nn.Module Module => Inner.Module;
        public IReadOnlyList<Parameter> TrainableParameters(bool freezeVisionTower) => Inner.TrainableParameters(freezeVisionTower);
        public PolicyLogProbs LogProbsOfLastTokens(MultimodalBatch sequences, int count, double temperature = 1.0, bool withEntropy = false) => Inner.LogProbsOfLastTokens(sequences, count, temperature, withEntropy);
        public SampledCompletions Generate(MultimodalBatch prompts, int samplesPerPrompt, SamplingSettings settings, long seed, CancellationToken cancellationToken = default) => Inner.Generate(prompts, samplesPerPrompt, settings, seed, cancellationToken);
        public IPolicyModel CreateFrozenCopy() => Inner.CreateFrozenCopy();
        public void LoadWeights(string directory) => Inner.LoadWeights(directory);
        public void Dispose() => Inner.Dispose();

        public void SaveWeights(string directory)
        {
            if (!FailNextSave)
            {
                Inner.SaveWeights(directory);
                return;
            }
            FailNextSave = false;
            File.WriteAllBytes(Path.Combine(directory, "tiny_gru.bin"), new byte[100]);
            throw new IOException("disk full (simulated)");
        }
    }
}
