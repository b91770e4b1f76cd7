using VisionR1.Grpo.Policies;
using VisionR1.Inputs;
using VisionR1.Model;
using VisionR1.Model.Generation;
using VisionR1.Model.Lora;
using static TorchSharp.torch;

namespace VisionR1.Tests.Model;

/// <summary>
/// What the recipe needs from a model, on each family behind <see cref="QwenVLModel"/>: sampling and scoring agree, LoRA
/// attaches to the decoder's linear layers under the family's checkpoint names, and the policy's vision freeze, frozen
/// copy and weight files work.
/// </summary>
public sealed class QwenVLSeamTests
{
    public static TheoryData<QwenVLFamily> Families => [QwenVLFamily.Qwen25VL, QwenVLFamily.Qwen3VL];

    private static QwenVLModel Model(QwenVLFamily family, long seed) => family switch
    {
        QwenVLFamily.Qwen3VL => Qwen3VL.Qwen3VLTestData.Initialized(tied: false, seed),
        _ => ModelTestData.Tiny(seed),
    };

    /// <summary>The decoder-layer prefix of the family's Hub checkpoints.</summary>
    private static string LayersPrefix(QwenVLFamily family) => family == QwenVLFamily.Qwen3VL ? "model.language_model.layers." : "model.layers.";

    /// <summary>Patch width of the family's vision tower: channels · temporal patch · patch².</summary>
    private static int PatchWidth(QwenVLFamily family) => family == QwenVLFamily.Qwen3VL ? 3 * 2 * 16 * 16 : 3 * 2 * 14 * 14;

    /// <summary>Two prompts, the first with one image of 4 × 6 patches (token ids 3/4/5 are vision start/end/pad in both test configs).</summary>
    private static MultimodalBatch Prompts(QwenVLModel model)
    {
        var rng = new Random(5);
        long Text() => rng.Next(7, model.VocabSize);
        var withImage = new List<long> { Text(), Text(), 3 };
        withImage.AddRange(Enumerable.Repeat(5L, 4 * 6 / 4));
        withImage.AddRange([4, Text(), Text()]);
        var text = Enumerable.Range(0, 5).Select(_ => Text()).ToArray();
        var patches = randn([4 * 6, PatchWidth(model.Family)], generator: new Generator(9));
        return ModelTestData.Batch([withImage.ToArray(), text], patches, tensor(new long[] { 1, 4, 6 }).view(1, 3));
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void Sampled_log_probs_are_the_scored_log_probs_of_the_same_completions(QwenVLFamily family)
    {
        using var model = Model(family, 3);
        model.eval();
        using var prompts = Prompts(model);
        var result = new CompletionGenerator(model).Generate(prompts, new GenerationOptions { MaxNewTokens = 6, StopTokenIds = [], Seed = 4 }, samplesPerPrompt: 2);
        Assert.Equal(4, result.Completions.Count);
        Assert.All(result.Completions, c => Assert.Equal(6, c.TokenIds.Count));

        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var batch = CompletionBatchBuilder.FromGeneration(model, prompts, result);
        var scored = model.ComputeTokenLogProbs(batch).LogProbs;
        var sampled = tensor(result.Completions.SelectMany(c => c.LogProbs).ToArray()).view(4, 6);
        Assert.True(allclose(scored, sampled, rtol: 1e-3, atol: 1e-3), $"largest difference {ModelTestData.MaxAbsDiff(scored, sampled)}");
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void Lora_adapts_every_decoder_linear_under_the_family_checkpoint_names_and_its_merge_computes_as_the_adapter(QwenVLFamily family)
    {
        using var model = Model(family, 5);
        using var prompts = Prompts(model);
        using var lora = LoraAdapters.Attach(model, new LoraConfig { Rank = 2, Alpha = 4, TargetModules = [LoraConfig.AllLinear] }, seed: 6);
        var decoderLinears = model.named_modules()
            .Where(m => m.module is VisionR1.Model.Layers.Linear && m.name.StartsWith(LayersPrefix(family), StringComparison.Ordinal))
            .Select(m => m.name).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(decoderLinears);
        Assert.Equal(decoderLinears, lora.LayerNames);
        Assert.All(lora.NamedTensors(), kv => Assert.StartsWith("base_model.model." + LayersPrefix(family), kv.Key, StringComparison.Ordinal));

        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var generator = new Generator(7);
        foreach (var b in lora.Parameters.Where((_, i) => i % 2 == 1)) b.normal_(0, 0.5, generator); // B = 0 would leave the model as it was
        using var before = model.Forward(prompts);
        var adapted = before.Logits!.clone();
        lora.Merge();
        using var merged = model.Forward(prompts);
        Assert.True(allclose(merged.Logits!, adapted, rtol: 1e-4, atol: 1e-4), $"largest difference {ModelTestData.MaxAbsDiff(merged.Logits!, adapted)}");
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void Policy_freezes_exactly_the_vision_tower_and_its_copy_and_saved_weights_score_as_it_does(QwenVLFamily family)
    {
        using var policy = new QwenPolicy(Model(family, 8));
        var vision = policy.Model.VisionParameters.Select(p => p.Parameter).ToHashSet(ReferenceEqualityComparer.Instance);
        var all = policy.Model.parameters().ToList();
        var trainable = policy.TrainableParameters(freezeVisionTower: true);
        Assert.NotEmpty(vision);
        Assert.Equal(all.Count - vision.Count, trainable.Count);
        Assert.DoesNotContain(trainable, p => vision.Contains(p));
        Assert.Equal(all.Count, policy.TrainableParameters(freezeVisionTower: false).Count);

        using var prompts = Prompts(policy.Model);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var expected = policy.LogProbsOfLastTokens(prompts, 3).LogProbs;
        using (var copy = policy.CreateFrozenCopy())
            Assert.True(allclose(copy.LogProbsOfLastTokens(prompts, 3).LogProbs, expected, rtol: 1e-5, atol: 1e-5));

        var dir = Directory.CreateTempSubdirectory("vr1-seam-");
        try
        {
            policy.SaveWeights(dir.FullName);
            Assert.Equal(family, QwenVLModel.FamilyOf(dir.FullName));
            using var other = new QwenPolicy(policy.Model.CreateUninitialised());
            other.LoadWeights(dir.FullName);
            Assert.True(allclose(other.LogProbsOfLastTokens(prompts, 3).LogProbs, expected, rtol: 1e-5, atol: 1e-5));
            using var loaded = QwenPolicy.Load(dir.FullName);
            Assert.Equal(family, loaded.Model.Family);
            Assert.True(allclose(loaded.LogProbsOfLastTokens(prompts, 3).LogProbs, expected, rtol: 1e-5, atol: 1e-5));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
