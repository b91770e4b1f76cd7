using VisionR1.Model.Qwen3VL;
using static TorchSharp.torch;

namespace VisionR1.Tests.Model.Qwen3VL;

public sealed class Qwen3VLGradientTests
{
    [Fact]
    public void Every_parameter_receives_a_finite_gradient_through_images_and_deepstack()
    {
        using var model = Qwen3VLTestData.Model(tied: false, seed: 13);
        using var scope = NewDisposeScope();
        var ids = tensor(new long[] { 0, 9, 3, 5, 4, 10, 11, 3, 5, 4, 12, 13 }).view(2, 6);
        var mask = tensor(new long[] { 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 }).view(2, 6);
        using var generator = new Generator(6);
        var pixels = randn(8, 1536, generator: generator);
        var grids = tensor(new long[] { 1, 2, 2, 1, 2, 2 }).view(2, 3);
        using var output = model.Forward(ids, mask, pixels, grids);
        output.Logits!.log_softmax(-1).select(-1, 7).sum().backward();
        foreach (var (name, p) in model.named_parameters())
        {
            var grad = p.grad;
            Assert.True(grad is not null, $"{name} has no gradient");
            Assert.True(isfinite(grad!).all().item<bool>(), $"{name} has a non-finite gradient");
            Assert.True(grad!.abs().sum().item<float>() > 0, $"{name} has an all-zero gradient");
        }
    }
}
