using VisionR1.Model;
using VisionR1.Model.Lora;
using static TorchSharp.torch;

namespace VisionR1.Tests.Model;

/// <summary>
/// Checkpointed decoder layers and vision blocks give the gradients of the plain backward pass. Runs alone: dropout
/// draws from torch's global generator, which tests running in parallel would draw from too.
/// </summary>
[Collection(GlobalGeneratorCollection.Name)]
public sealed class GradientCheckpointingTests
{
    /// <summary>Backward of the completion log-probs of an image row and a text row; returns the loss.</summary>
    private static float Backward(Qwen25VLModel model)
    {
        using var scope = NewDisposeScope();
        var row = ModelTestData.PromptWithImage(3, 4, 6, 6, seed: 2);
        var batch = ModelTestData.Batch([row, ModelTestData.TextPrompt(9, seed: 4)],
            ModelTestData.Patches(4, 6, seed: 3), tensor(new long[] { 1, 4, 6 }).view(1, 3));
        using var lp = model.ComputeTokenLogProbs(batch, completionLength: 5, temperature: 0.9);
        var loss = lp.LogProbs.sum().neg();
        loss.backward();
        return loss.item<float>();
    }

    private static Dictionary<string, float[]> Gradients(IEnumerable<(string Name, TorchSharp.Modules.Parameter P)> parameters) =>
        parameters.Where(p => p.P.grad is not null).ToDictionary(p => p.Name, p => p.P.grad!.data<float>().ToArray());

    private static void AssertClose(Dictionary<string, float[]> expected, Dictionary<string, float[]> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, e) in expected)
        {
            var a = actual[name];
            double scale = Math.Max(1e-6, e.Max(Math.Abs));
            double diff = e.Zip(a, (x, y) => Math.Abs(x - y)).Max();
            Assert.True(diff <= 1e-5 * scale, $"{name}: max |Δgrad| {diff} (scale {scale})");
        }
    }

    [Theory]
    [InlineData(GradientCheckpointing.TextLayers)]
    [InlineData(GradientCheckpointing.VisionBlocks)]
    [InlineData(GradientCheckpointing.All)]
    public void Checkpointed_layers_give_the_plain_gradients(GradientCheckpointing mode)
    {
        using var plain = ModelTestData.Tiny(11);
        float plainLoss = Backward(plain);
        var expected = Gradients(plain.named_parameters().Select(p => (p.name, p.parameter)));
        Assert.Equal(plain.named_parameters().Count(), expected.Count);

        using var checkpointed = ModelTestData.Tiny(11);
        checkpointed.GradientCheckpointing = mode;
        Assert.Equal(mode, checkpointed.GradientCheckpointing);
        float loss = Backward(checkpointed);
        Assert.Equal(plainLoss, loss, 4);
        AssertClose(expected, Gradients(checkpointed.named_parameters().Select(p => (p.name, p.parameter))));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.3)]
    public void Checkpointed_lora_layers_under_a_frozen_base_get_the_plain_adapter_gradients(double dropout)
    {
        Dictionary<string, float[]> Run(GradientCheckpointing mode)
        {
            using var model = ModelTestData.Tiny(12);
            foreach (var p in model.parameters()) p.requires_grad = false;
            model.GradientCheckpointing = mode;
            using var lora = LoraAdapters.Attach(model, new LoraConfig { Rank = 2, Alpha = 4, Dropout = dropout, TargetModules = [LoraConfig.AllLinear] }, seed: 3);
            random.manual_seed(5);
            using (no_grad())
                foreach (var (key, t) in lora.NamedTensors().Where(kv => kv.Key.Contains("lora_B", StringComparison.Ordinal)))
                    t.normal_(0, 0.1);
            // Dropout draws masks in both passes; the checkpoint restores the generator so the recomputation sees the same ones.
            Backward(model);
            return Gradients(lora.NamedTensors().Select(kv => (kv.Key, (TorchSharp.Modules.Parameter)kv.Value)));
        }
        var expected = Run(GradientCheckpointing.None);
        Assert.Equal(2 * 2 * 7, expected.Count);
        AssertClose(expected, Run(GradientCheckpointing.All));
    }
}

/// <summary>Tests whose result depends on torch's global generator: never run in parallel with other tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalGeneratorCollection
{
    /// <summary>The collection name.</summary>
    public const string Name = "Global torch generator (runs alone)";
}
