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

/// <summary>GRPO and SFT through a LoRA adapter: only the adapter trains, the KL reference is the adapter-off base, checkpoints hold the adapter.</summary>
public sealed class LoraPolicyTests : IDisposable
{
    private static readonly ByteLevelBpeTokenizer Tokenizer = CompactTokenizerTrainer.TrainDefault();
    private static readonly LoraConfig Lora = new() { Rank = 4, Alpha = 8, TargetModules = [LoraConfig.AllLinear] };
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-lora-grpo-");

    public LoraPolicyTests() => VisionR1Runtime.Initialize("cpu", threads: 1);

    public void Dispose() => _dir.Delete(recursive: true);

    private static QwenPolicy LoraPolicy(long seed)
    {
        var model = new Qwen25VLModel(Qwen25VLPresets.Tiny, CPU);
        model.InitializeWeights(seed);
        var policy = new QwenPolicy(model);
        policy.AttachLora(Lora, seed);
        return policy;
    }

    private static IReadOnlyList<GrpoPrompt> Prompts() =>
        Enumerable.Range(0, 6).Select(i => new GrpoPrompt($"p{i}", $"What is {i} plus {i}?", (2 * i).ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();

    private static GrpoOptions Options(string? output = null) => new()
    {
        Schedule = PtstSchedule.Single(4, 4, 8),
        PromptsPerStep = 2,
        UpdatesPerRollout = 2,
        MicroBatchSize = 4,
        LearningRate = 1e-2,
        Loss = new GrpoLossOptions(Beta: 0.05),
        Seed = 3,
        OutputDirectory = output,
        SaveEverySteps = 2,
    };

    private static GrpoTrainer Trainer(QwenPolicy policy, GrpoOptions options, IMetricsSink? sink = null) =>
        new(policy, new ChatPromptEncoder(new ChatTemplate(Tokenizer, ChatTemplateOptions.NoSystemPrompt)), Tokenizer,
            [new WeightedReward(new TextLengthReward())], Prompts(), options, sink);

    private static float[] Flat(IEnumerable<Tensor> tensors) => tensors.SelectMany(x => x.detach().data<float>().ToArray()).ToArray();

    [Fact]
    public void Lora_grpo_trains_only_the_adapter_against_the_adapter_off_base_without_a_copy()
    {
        using var policy = LoraPolicy(7);
        var baseBefore = Flat(policy.Model.parameters());
        var sink = new InMemoryMetricsSink();
        using var trainer = Trainer(policy, Options(), sink);
        Assert.Same(policy.Module, trainer.Reference!.Module);
        Assert.Empty(trainer.Reference.TrainableParameters(false));
        Assert.All(policy.Model.parameters(), p => Assert.False(p.requires_grad));
        Assert.All(policy.Lora!.Parameters, p => Assert.True(p.requires_grad));
        Assert.Equal(policy.Lora.Parameters.Count, trainer.Optimizer.Parameters.Count);
        trainer.Train(3);

        Assert.True(baseBefore.SequenceEqual(Flat(policy.Model.parameters())), "LoRA training changed base weights");
        Assert.True(policy.Lora.NamedTensors().Where(kv => kv.Key.Contains("lora_B", StringComparison.Ordinal)).Any(kv => kv.Value.abs().sum().item<float>() > 0),
            "the adapter's B matrices did not move");
        Assert.Contains(sink.GrpoSteps, m => m.Kl > 0);

        // The reference's log-probs are the untouched base model's.
        using var plain = new Qwen25VLModel(Qwen25VLPresets.Tiny, CPU);
        plain.InitializeWeights(7);
        using var basePolicy = new QwenPolicy(plain);
        var ids = tensor(new long[] { 10, 11, 12, 13, 14, 15, 16, 17 }, new long[] { 1, 8 });
        var batch = new MultimodalBatch(ids, ones_like(ids), null, null);
        using var fromReference = trainer.Reference.LogProbsOfLastTokens(batch, 4);
        using var fromBase = basePolicy.LogProbsOfLastTokens(batch, 4);
        using var fromPolicy = policy.LogProbsOfLastTokens(batch, 4);
        Assert.True((fromReference.LogProbs - fromBase.LogProbs).abs().max().item<float>() == 0, "the adapter-off reference differs from the base model");
        Assert.False(fromPolicy.LogProbs.allclose(fromBase.LogProbs), "the trained adapter does not change the policy");
        Assert.True(policy.Lora.Enabled);
    }

    [Fact]
    public void Lora_grpo_checkpoints_hold_the_adapter_in_peft_layout_and_resume_exactly()
    {
        float[] continuous;
        using (var policy = LoraPolicy(9))
        using (var trainer = Trainer(policy, Options(Path.Combine(_dir.FullName, "a"))))
        {
            trainer.Train(4);
            continuous = Flat(policy.Lora!.Parameters);
        }
        var outB = Path.Combine(_dir.FullName, "b");
        using (var policy = LoraPolicy(9))
        using (var trainer = Trainer(policy, Options(outB)))
            trainer.Train(2);
        var model = Path.Combine(outB, "checkpoints", "step-00000002", "model");
        Assert.True(File.Exists(Path.Combine(model, PeftAdapterFiles.ConfigFileName)));
        Assert.True(File.Exists(Path.Combine(model, PeftAdapterFiles.WeightsFileName)));
        Assert.False(File.Exists(Path.Combine(model, "model.safetensors")));
        using (var policy = LoraPolicy(9))
        using (var trainer = Trainer(policy, Options(outB)))
        {
            Assert.Equal(2, trainer.TryResume()!.Step);
            trainer.Train(2);
            Assert.True(continuous.SequenceEqual(Flat(policy.Lora!.Parameters)), "the resumed adapter differs from the continuous run's");
        }
    }

    [Fact]
    public void Lora_sft_lowers_the_assistant_loss_and_merges_into_the_base()
    {
        using var policy = LoraPolicy(5);
        var template = new ChatTemplate(Tokenizer, ChatTemplateOptions.NoSystemPrompt);
        IReadOnlyList<IReadOnlyList<ChatTurn>> data = Enumerable.Range(0, 4)
            .Select(i => (IReadOnlyList<ChatTurn>)[ChatTurn.User($"Add {i} and {i}."), ChatTurn.Assistant($"<think>{i}+{i}</think><answer>{2 * i}</answer>")]).ToList();
        using var sft = new SftTrainer<IReadOnlyList<ChatTurn>>(policy, new ChatSftCollator(template), data,
            new SftOptions { Epochs = 50, LearningRate = 1e-1, WarmupRatio = 0, MicroBatchSize = 2, GradientAccumulationSteps = 2 });
        double before = sft.EvaluateLoss(data);
        sft.Train(20);
        double after = sft.EvaluateLoss(data);
        // The tied embedding/LM head is not adapted and HF's 0.02-std embeddings bound how far logits can move from
        // uniform (ln 1024 ≈ 6.93), so the attainable drop is small; frozen adapters would leave it at zero.
        Assert.True(after < before - 0.3, $"{before} -> {after}");
        policy.MergeLora();
        Assert.Null(policy.Lora);
        double merged = sft.EvaluateLoss(data);
        Assert.True(Math.Abs(merged - after) < 1e-4 * Math.Max(1, after), $"merged loss {merged} vs adapter loss {after}");
    }

    [Fact]
    public void Vr1_scale_options_attach_the_adapter_and_set_checkpointing()
    {
        var group = new VisionR1.Trainer.Commands.ScaleArgs.Group();
        var command = new System.CommandLine.RootCommand();
        foreach (var symbol in group.Symbols) command.Options.Add((System.CommandLine.Option)symbol);
        var scale = group.Read(command.Parse(["--lora-r", "4", "--lora-targets", "q_proj,o_proj", "--checkpointing", "text"]));
        var model = new Qwen25VLModel(Qwen25VLPresets.Tiny, CPU);
        model.InitializeWeights(1);
        using var policy = new QwenPolicy(model);
        scale.Apply(policy, 1, TextWriter.Null);
        Assert.Equal(4, policy.Lora!.Config.Rank);
        Assert.Equal(8, policy.Lora.Config.Alpha);
        Assert.Equal(4, policy.Lora.LayerNames.Count);
        Assert.Equal(GradientCheckpointing.TextLayers, model.GradientCheckpointing);
        Assert.NotEmpty(command.Parse(["--checkpointing", "some"]).Errors);
    }

    /// <summary>A dense toy reward (fewer characters is better): completions of equal token counts still differ, so groups have spread.</summary>
    private sealed class TextLengthReward : IRewardFunction
    {
        public string Name => "short_text";

        public IReadOnlyList<RewardOutput> Score(IReadOnlyList<RewardInput> batch, CancellationToken cancellationToken = default) =>
            batch.Select(x => new RewardOutput(-x.Completion.Length / 10.0, new Dictionary<string, double>())).ToList();
    }
}
