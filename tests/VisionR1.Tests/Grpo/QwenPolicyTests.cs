using VisionR1.Tests.Grpo.Fixtures;
using VisionR1.Grpo.Loss;
using VisionR1.Grpo.Metrics;
using VisionR1.Grpo.Policies;
using VisionR1.Grpo.Rewards;
using VisionR1.Grpo.Rollout;
using VisionR1.Grpo.Schedule;
using VisionR1.Grpo.Training;
using VisionR1.Inputs;
using VisionR1.Model;
using VisionR1.Model.Config;
using VisionR1.Model.Lora;
using VisionR1.Runtime;
using VisionR1.Text;
using static TorchSharp.torch;

namespace VisionR1.Tests.Grpo;

/// <summary>The trainers over the real Qwen2.5-VL architecture (tiny preset) and the real chat template.</summary>
public sealed class QwenPolicyTests : IDisposable
{
    private static readonly ByteLevelBpeTokenizer Tokenizer = CompactTokenizerTrainer.TrainDefault();
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-qwen-grpo-");

    public QwenPolicyTests() => VisionR1Runtime.Initialize("cpu", threads: 1);

    public void Dispose() => _dir.Delete(recursive: true);

    private static QwenPolicy TinyPolicy(long seed)
    {
        var model = new Qwen25VLModel(Qwen25VLPresets.Tiny, CPU);
        model.InitializeWeights(seed);
        return new QwenPolicy(model);
    }

    private static IReadOnlyList<GrpoPrompt> Prompts() =>
        Enumerable.Range(0, 6).Select(i => new GrpoPrompt($"p{i}", $"What is {i} plus {i}?", (2 * i).ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();

    private GrpoOptions Options(string? output = null) => new()
    {
        Schedule = new PtstSchedule([new PtstStage(6, 4, 2), new PtstStage(10, 2, 2)]),
        PromptsPerStep = 2,
        UpdatesPerRollout = 2,
        MicroBatchSize = 3,
        LearningRate = 1e-3,
        Loss = new GrpoLossOptions(Beta: 0.01),
        Seed = 3,
        OutputDirectory = output,
        SaveEverySteps = 2,
    };

    private static GrpoTrainer Trainer(QwenPolicy policy, GrpoOptions options, IMetricsSink? sink = null) =>
        new(policy, new ChatPromptEncoder(new ChatTemplate(Tokenizer, ChatTemplateOptions.NoSystemPrompt)), Tokenizer,
            [new WeightedReward(new LengthReward())], Prompts(), options, sink);

    private static float[] Snapshot(QwenPolicy p) =>
        p.Model.parameters().SelectMany(x => x.detach().data<float>().ToArray()).ToArray();

    [Fact]
    public void Policy_log_probs_match_a_plain_log_softmax_of_the_model_logits()
    {
        using var scope = NewDisposeScope();
        using var policy = TinyPolicy(1);
        var ids = tensor(new long[] { 10, 11, 12, 13, 14, 15 }, new long[] { 1, 6 });
        var batch = new MultimodalBatch(ids, ones_like(ids), null, null);
        using var lp = policy.LogProbsOfLastTokens(batch, 3, temperature: 0.7, withEntropy: true);
        using var output = policy.Model.Forward(batch);
        var expected = LogitLogProbs.Compute(output.Logits![.., 2..5], ids[.., 3..], 0.7, withEntropy: true);
        Assert.True(lp.LogProbs.allclose(expected.LogProbs, 1e-4, 1e-5));
        Assert.True(lp.Entropy!.allclose(expected.Entropy!, 1e-4, 1e-5));
    }

    [Fact]
    public void Vision_tower_is_left_out_of_the_trainable_parameters_when_frozen()
    {
        using var policy = TinyPolicy(1);
        int all = policy.TrainableParameters(freezeVisionTower: false).Count;
        int text = policy.TrainableParameters(freezeVisionTower: true).Count;
        Assert.Equal(policy.Model.VisionParameters.Count(), all - text);
        using var trainer = Trainer(policy, Options());
        Assert.All(policy.Model.VisionParameters, p => Assert.False(p.Parameter.requires_grad));
    }

    [Fact]
    public void Grpo_on_the_tiny_qwen_switches_stages_and_resumes_exactly_from_hf_layout_checkpoints()
    {
        float[] continuous;
        var sink = new InMemoryMetricsSink();
        using (var policy = TinyPolicy(7))
        using (var trainer = Trainer(policy, Options(Path.Combine(_dir.FullName, "a")), sink))
        {
            trainer.Train();
            continuous = Snapshot(policy);
        }
        Assert.Equal([4, 4, 2, 2], sink.GrpoSteps.Select(m => m.GroupSize));
        Assert.All(sink.GrpoSteps, m => Assert.True(m.CompletionLengthMax <= m.MaxCompletionLength));
        Assert.Contains(sink.Events, e => e.Kind == TrainingEventKind.StageSwitch);

        var outB = Path.Combine(_dir.FullName, "b");
        using (var policy = TinyPolicy(7))
        using (var trainer = Trainer(policy, Options(outB)))
            trainer.Train(2);
        Assert.True(File.Exists(Path.Combine(outB, "checkpoints", "step-00000002", "model", "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(outB, "checkpoints", "step-00000002", "model", "config.json")));
        // Resuming starts from the same base model (the KL reference is rebuilt from it), as `vr1 grpo --resume` does.
        using (var policy = TinyPolicy(7))
        using (var trainer = Trainer(policy, Options(outB)))
        {
            Assert.Equal(2, trainer.TryResume()!.Step);
            trainer.Train();
            Assert.True(continuous.SequenceEqual(Snapshot(policy)), "resumed weights differ from the continuous run");
        }
    }

    [Fact]
    public void Sft_on_the_tiny_qwen_lowers_the_assistant_loss()
    {
        using var policy = TinyPolicy(5);
        var template = new ChatTemplate(Tokenizer, ChatTemplateOptions.NoSystemPrompt);
        IReadOnlyList<IReadOnlyList<ChatTurn>> data = Enumerable.Range(0, 4)
            .Select(i => (IReadOnlyList<ChatTurn>)[ChatTurn.User($"Add {i} and {i}."), ChatTurn.Assistant($"<think>{i}+{i}</think><answer>{2 * i}</answer>")]).ToList();
        using var sft = new SftTrainer<IReadOnlyList<ChatTurn>>(policy, new ChatSftCollator(template), data,
            new SftOptions { Epochs = 50, LearningRate = 3e-3, WarmupRatio = 0, MicroBatchSize = 2, GradientAccumulationSteps = 2 });
        double before = sft.EvaluateLoss(data);
        sft.Train(15);
        double after = sft.EvaluateLoss(data);
        Assert.True(after < before * 0.7, $"{before} -> {after}");
    }

    [Fact]
    public void Sft_micro_batches_regrouped_by_length_give_the_same_update_with_less_padding()
    {
        var template = new ChatTemplate(Tokenizer, ChatTemplateOptions.NoSystemPrompt);
        // Answers of very different lengths, so that a step's samples in data order pad to the longest.
        IReadOnlyList<IReadOnlyList<ChatTurn>> data = Enumerable.Range(0, 8)
            .Select(i => (IReadOnlyList<ChatTurn>)[ChatTurn.User($"Count to {i}."), ChatTurn.Assistant(string.Join(" ", Enumerable.Range(1, 1 + 6 * (i % 4))))]).ToList();
        var collator = new ChatSftCollator(template);
        var groups = ((ISftCollator<IReadOnlyList<ChatTurn>>)collator).CollateWithinTokens(data, 4, 120);
        try
        {
            Assert.Equal(8, groups.Sum(g => g.Inputs.BatchSize));
            Assert.All(groups, g => Assert.True(g.Inputs.BatchSize == 1 || g.Inputs.BatchSize * g.Inputs.SequenceLength <= 120, $"{g.Inputs.BatchSize} x {g.Inputs.SequenceLength}"));
            using var inOrder = collator.Collate(data);
            Assert.True(groups.Sum(g => g.Inputs.BatchSize * g.Inputs.SequenceLength) < inOrder.Inputs.BatchSize * inOrder.Inputs.SequenceLength);
        }
        finally
        {
            foreach (var g in groups) g.Dispose();
        }

        float[] Train(int maxTokens)
        {
            using var policy = TinyPolicy(3);
            using var sft = new SftTrainer<IReadOnlyList<ChatTurn>>(policy, collator, data,
                new SftOptions { Epochs = 1, LearningRate = 1e-3, WarmupRatio = 0, MicroBatchSize = 4, GradientAccumulationSteps = 2, MaxMicroBatchTokens = maxTokens, Seed = 9 });
            sft.Train(1);
            return Snapshot(policy);
        }
        var plain = Train(0);
        var regrouped = Train(120);
        using var initial = TinyPolicy(3);
        Assert.False(plain.SequenceEqual(Snapshot(initial)), "the step changed nothing");
        Assert.True(plain.Zip(regrouped).Max(p => Math.Abs(p.First - p.Second)) < 1e-5f, "regrouping the step's samples changed its update");
    }

    /// <summary>
    /// Runs <paramref name="train"/> with libtorch set to <paramref name="threads"/> threads on this thread, then back to 1.
    /// In turn the passes run on this thread's one thread; side by side, two workers get one thread each, so both compute
    /// every micro-batch with the same single-threaded kernels, on any CPU.
    /// </summary>
    private static T WithThreads<T>(int threads, Func<T> train)
    {
        set_num_threads(threads);
        try { return train(); }
        finally { set_num_threads(1); }
    }

    [Fact]
    public void Sft_micro_batches_side_by_side_give_the_same_weights_as_in_turn()
    {
        var template = new ChatTemplate(Tokenizer, ChatTemplateOptions.NoSystemPrompt);
        var image = new ImageProcessor().Process(new RgbImage(56, 56, Enumerable.Range(0, 56 * 56 * 3).Select(i => (byte)(i * 7 % 251)).ToArray()), "grid.png");
        // Pictures in the short samples only: the long micro-batch leaves the vision tower without a gradient, which must
        // not erase what the short one gave it.
        IReadOnlyList<IReadOnlyList<ChatTurn>> data = Enumerable.Range(0, 8)
            .Select(i => (IReadOnlyList<ChatTurn>)(i % 2 == 0
                ? [ChatTurn.User(new ImagePart(image), new TextPart($"Count to {i}.")), ChatTurn.Assistant($"{i}")]
                : [ChatTurn.User($"Count to {i}."), ChatTurn.Assistant(string.Join(" ", Enumerable.Range(1, 8 + i)))])).ToList();
        var collator = new ChatSftCollator(template);
        var options = new SftOptions
        {
            Epochs = 1, LearningRate = 1e-3, WarmupRatio = 0, MicroBatchSize = 8, GradientAccumulationSteps = 1,
            MaxMicroBatchTokens = 160, FreezeVisionTower = false, Seed = 9,
            MaxGradNorm = 0, // no clipping: a norm summed on two threads may round otherwise than on one
        };
        (float[] Weights, double Loss, int Workers) Train(int concurrent, int threads) => WithThreads(threads, () =>
        {
            using var policy = TinyPolicy(3);
            using var sft = new SftTrainer<IReadOnlyList<ChatTurn>>(policy, collator, data, options with { Throughput = new ThroughputOptions { ConcurrentMicroBatches = concurrent } });
            var step = sft.TrainStep();
            return (Snapshot(policy), step.Loss, TrainingSetup.MicroBatchWorkers(policy, 2, concurrent));
        });
        var inTurn = Train(1, 1);
        var sideBySide = Train(2, 2);
        Assert.Equal(1, inTurn.Workers);
        Assert.Equal(2, sideBySide.Workers);
        using var initial = TinyPolicy(3);
        var start = Snapshot(initial);
        Assert.False(inTurn.Weights.SequenceEqual(start), "the step changed nothing");
        int visionCount = initial.Model.VisionParameters.Sum(p => (int)p.Parameter.numel());
        Assert.True(visionCount > 0);
        Assert.Equal(inTurn.Loss, sideBySide.Loss);
        Assert.True(inTurn.Weights.SequenceEqual(sideBySide.Weights), "side by side gave other weights than in turn");
    }

    /// <summary>
    /// One GRPO step of the tiny policy (seed 7) on <paramref name="threads"/> threads, with generation in two chunks and no
    /// clipping (a norm summed on two threads may round otherwise than on one); alternate completions score 1, so every group
    /// has advantages to learn from whatever the policy samples. Returns the weights after it and its metrics.
    /// </summary>
    private (float[] Weights, GrpoStepMetrics Step) OneAlternatingGrpoStep(GrpoOptions options, int threads) => WithThreads(threads, () =>
    {
        var sink = new InMemoryMetricsSink();
        using var policy = TinyPolicy(7);
        using var trainer = new GrpoTrainer(policy, new ChatPromptEncoder(new ChatTemplate(Tokenizer, ChatTemplateOptions.NoSystemPrompt)), Tokenizer,
            [new WeightedReward(new AlternatingReward())], Prompts(), options with { ConcurrentGenerations = 2, MaxGradNorm = 0 }, sink);
        trainer.TrainStep();
        return (Snapshot(policy), sink.GrpoSteps[0]);
    });

    [Fact]
    public void Grpo_micro_batches_side_by_side_give_the_same_weights_and_log_probs_as_in_turn()
    {
        (float[] Weights, GrpoStepMetrics Step) Run(int concurrent, int threads) =>
            OneAlternatingGrpoStep(Options() with { Throughput = new ThroughputOptions { ConcurrentMicroBatches = concurrent } }, threads);
        var inTurn = Run(1, 1);
        var sideBySide = Run(2, 2);
        using var initial = TinyPolicy(7);
        Assert.False(inTurn.Weights.SequenceEqual(Snapshot(initial)), "the step changed nothing");
        Assert.True(inTurn.Step.Completions > Options().MicroBatchSize, "one micro-batch: nothing ran side by side");
        // The reference and old-policy passes feed the loss, its statistics and the update: all must agree to the bit.
        Assert.Equal(inTurn.Step.Loss, sideBySide.Step.Loss);
        Assert.Equal(inTurn.Step.Kl, sideBySide.Step.Kl);
        Assert.Equal(inTurn.Step.RatioMax, sideBySide.Step.RatioMax);
        Assert.True(inTurn.Weights.SequenceEqual(sideBySide.Weights), "side by side gave other weights than in turn");
    }

    [Fact]
    public void Micro_batches_run_in_turn_when_lora_dropout_draws_random_numbers()
    {
        WithThreads(2, () =>
        {
            using var policy = TinyPolicy(5);
            Assert.Equal(2, TrainingSetup.MicroBatchWorkers(policy, 4, 2));
            Assert.Equal(1, TrainingSetup.MicroBatchWorkers(policy, 1, 2));
            Assert.Equal(1, TrainingSetup.MicroBatchWorkers(policy, 4, 1));
            using var lora = LoraAdapters.Attach(policy.Model, new LoraConfig { Rank = 2, Alpha = 4, Dropout = 0.1 }, seed: 1);
            Assert.Equal(1, TrainingSetup.MicroBatchWorkers(policy, 4, 2));
            return 0;
        });
        using var plain = TinyPolicy(5);
        using var noDropout = LoraAdapters.Attach(plain.Model, new LoraConfig { Rank = 2, Alpha = 4, Dropout = 0 }, seed: 1);
        Assert.False(LoraAdapters.DrawsInTraining(plain.Model));
    }

    [Fact]
    public void A_bf16_policy_trains_bf16_weights_with_a_finite_fp32_loss()
    {
        var model = new Qwen25VLModel(Qwen25VLPresets.Tiny, CPU, ScalarType.BFloat16);
        model.InitializeWeights(8);
        using var policy = new QwenPolicy(model);
        var sink = new InMemoryMetricsSink();
        using var trainer = Trainer(policy, Options(), sink);
        trainer.TrainStep();
        Assert.All(policy.Model.parameters(), p => Assert.Equal(ScalarType.BFloat16, p.dtype));
        Assert.True(double.IsFinite(sink.GrpoSteps[0].Loss) && double.IsFinite(sink.GrpoSteps[0].GradNorm));
    }

    [Fact]
    public void Bf16_sft_resumes_bit_identically_through_the_optimizer_master_weights()
    {
        var template = new ChatTemplate(Tokenizer, ChatTemplateOptions.NoSystemPrompt);
        IReadOnlyList<IReadOnlyList<ChatTurn>> data = Enumerable.Range(0, 4)
            .Select(i => (IReadOnlyList<ChatTurn>)[ChatTurn.User($"Add {i} and {i}."), ChatTurn.Assistant($"<answer>{2 * i}</answer>")]).ToList();
        QwenPolicy Bf16Policy()
        {
            var model = new Qwen25VLModel(Qwen25VLPresets.Tiny, CPU, ScalarType.BFloat16);
            model.InitializeWeights(12);
            return new QwenPolicy(model);
        }
        // lr 1e-4 on bf16 weights: most single updates are below half an ulp, so only the fp32 master copy
        // (saved with the optimizer state) carries them across the checkpoint.
        SftOptions Options(string dir) => new()
        {
            Epochs = 4, LearningRate = 1e-4, WarmupRatio = 0, MicroBatchSize = 2, GradientAccumulationSteps = 1,
            OutputDirectory = dir, SaveEverySteps = 3, Seed = 4,
        };
        static float[] Weights(QwenPolicy p) =>
            p.Model.parameters().SelectMany(x => x.detach().to_type(ScalarType.Float32).data<float>().ToArray()).ToArray();

        float[] initial, continuous;
        using (var policy = Bf16Policy())
        {
            initial = Weights(policy);
            using var sft = new SftTrainer<IReadOnlyList<ChatTurn>>(policy, new ChatSftCollator(template), data, Options(Path.Combine(_dir.FullName, "straight")));
            sft.Train(6);
            continuous = Weights(policy);
        }
        Assert.False(initial.SequenceEqual(continuous), "six steps did not change any bf16 weight");

        var split = Path.Combine(_dir.FullName, "split");
        using (var policy = Bf16Policy())
        using (var sft = new SftTrainer<IReadOnlyList<ChatTurn>>(policy, new ChatSftCollator(template), data, Options(split)))
            sft.Train(3);
        using (var policy = Bf16Policy())
        using (var sft = new SftTrainer<IReadOnlyList<ChatTurn>>(policy, new ChatSftCollator(template), data, Options(split)))
        {
            var from = sft.TryResume()!;
            Assert.Equal(3, from.Step);
            Assert.True(File.Exists(Path.Combine(from.Directory, VisionR1.Grpo.Checkpoints.CheckpointFiles.OptimizerFileName)));
            Assert.Equal(3, sft.Optimizer.StepCount);
            sft.Train(3);
            Assert.True(continuous.SequenceEqual(Weights(policy)), "the resumed bf16 run differs from the continuous one");
        }
    }

    [Fact]
    public void Grpo_steps_on_the_tiny_qwen_leak_no_tensors()
    {
        using var policy = TinyPolicy(9);
        using var trainer = Trainer(policy, Options() with { Schedule = PtstSchedule.Single(5, 2, 100) });
        for (int i = 0; i < 3; i++) trainer.TrainStep();
        long before = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int i = 0; i < 10; i++) trainer.TrainStep();
        long after = TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        Assert.True(after - before <= 0, $"live tensors grew from {before} to {after} over 10 steps");
    }

    public static TheoryData<GrpoAlgorithm> Algorithms() => new(Enum.GetValues<GrpoAlgorithm>());

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void Two_steps_of_each_named_algorithm_run_and_write_metrics(GrpoAlgorithm algorithm)
    {
        using var policy = TinyPolicy(4);
        var options = new GrpoOptions
        {
            Algorithm = algorithm,
            Schedule = PtstSchedule.Single(5, 4, 2),
            PromptsPerStep = 2,
            MicroBatchSize = 4,
            LearningRate = 1e-3,
            Seed = 3,
            MaxRefillRounds = 1,
        };
        var folder = Path.Combine(_dir.FullName, GrpoAlgorithmNames.NameOf(algorithm));
        using (var sink = new JsonlMetricsSink(folder))
        using (var trainer = new GrpoTrainer(policy, new ChatPromptEncoder(new ChatTemplate(Tokenizer, ChatTemplateOptions.NoSystemPrompt)), Tokenizer,
            [new WeightedReward(new TextReward())], Prompts(), options, sink))
        {
            trainer.Train();
            Assert.Equal(2, trainer.Step);
            Assert.Equal(options.Loss.Beta > 0, trainer.Reference is not null);
        }
        var lines = File.ReadAllLines(Path.Combine(folder, JsonlMetricsSink.MetricsFileName));
        Assert.Equal(2, lines.Length);
        foreach (var line in lines)
        {
            using var json = System.Text.Json.JsonDocument.Parse(line);
            Assert.True(double.IsFinite(json.RootElement.GetProperty("loss").GetDouble()), line);
            Assert.True(double.IsFinite(json.RootElement.GetProperty("kl").GetDouble()), line);
        }
    }

    /// <summary>A reward that differs between completions of a random model: the character sum of the text, modulo 5, over 4.</summary>
    private sealed class TextReward : IRewardFunction
    {
        public string Name => "text";

        public IReadOnlyList<RewardOutput> Score(IReadOnlyList<RewardInput> batch, CancellationToken cancellationToken = default) =>
            batch.Select(x => new RewardOutput(x.Completion.Sum(c => c) % 5 / 4.0)).ToList();
    }

    /// <summary>A dense toy reward (shorter is better) so groups have spread and the loss has signal.</summary>
    private sealed class LengthReward : IRewardFunction
    {
        public string Name => "short";

        public IReadOnlyList<RewardOutput> Score(IReadOnlyList<RewardInput> batch, CancellationToken cancellationToken = default) =>
            batch.Select(x => new RewardOutput(-x.Context.CompletionTokens / 10.0)).ToList();
    }
}
