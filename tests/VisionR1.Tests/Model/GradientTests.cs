using VisionR1.Model;
using static TorchSharp.torch;

namespace VisionR1.Tests.Model;

public sealed class GradientTests
{
    private static void Backward(Qwen25VLModel model)
    {
        using var scope = NewDisposeScope();
        var row = ModelTestData.PromptWithImage(3, 4, 6, 6, seed: 2);
        var batch = ModelTestData.Batch([row, ModelTestData.TextPrompt(9, seed: 4)],
            ModelTestData.Patches(4, 6, seed: 3), tensor(new long[] { 1, 4, 6 }).view(1, 3));
        using var lp = model.ComputeTokenLogProbs(batch, completionLength: 5, temperature: 0.9);
        lp.LogProbs.sum().neg().backward();
    }

    [Fact]
    public void Gradients_reach_every_parameter()
    {
        using var model = ModelTestData.Tiny();
        Backward(model);
        foreach (var (name, p) in model.named_parameters())
        {
            Assert.True(p.grad is not null, $"{name} got no gradient");
            Assert.True(p.grad!.abs().sum().item<float>() > 0, $"{name} got a zero gradient");
        }
    }

    [Fact]
    public void Frozen_vision_tower_gets_no_gradient_and_the_rest_still_learns()
    {
        using var model = ModelTestData.Tiny();
        model.FreezeVision();
        Backward(model);
        foreach (var (name, p) in model.named_parameters())
        {
            if (name.StartsWith("visual.", StringComparison.Ordinal)) Assert.True(p.grad is null, $"{name} is frozen but got a gradient");
            else Assert.True(p.grad is not null && p.grad.abs().sum().item<float>() > 0, $"{name} got no gradient");
        }
    }
}
