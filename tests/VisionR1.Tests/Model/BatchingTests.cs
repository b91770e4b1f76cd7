using VisionR1.Model;
using static TorchSharp.torch;

namespace VisionR1.Tests.Model;

public sealed class BatchingTests
{
    [Fact]
    public void Left_padded_mixed_batch_gives_each_sample_its_own_logits()
    {
        using var model = ModelTestData.Tiny();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var withImage = ModelTestData.PromptWithImage(3, 4, 6, 5, seed: 1);   // 6 image tokens
        var shortText = ModelTestData.TextPrompt(5, seed: 2);
        var withOtherImage = ModelTestData.PromptWithImage(1, 8, 4, 2, seed: 3); // 8 image tokens
        var px1 = ModelTestData.Patches(4, 6, seed: 4);
        var px3 = ModelTestData.Patches(8, 4, seed: 5);
        var g1 = tensor(new long[] { 1, 4, 6 }).view(1, 3);
        var g3 = tensor(new long[] { 1, 8, 4 }).view(1, 3);

        var batch = ModelTestData.Batch([withImage, shortText, withOtherImage], cat([px1, px3], 0), cat([g1, g3], 0));
        var batched = model.Forward(batch).Logits!;
        long t = batch.SequenceLength;

        var alone = new[]
        {
            model.Forward(ModelTestData.Batch([withImage], px1, g1)).Logits!,
            model.Forward(ModelTestData.Batch([shortText])).Logits!,
            model.Forward(ModelTestData.Batch([withOtherImage], px3, g3)).Logits!,
        };
        var rows = new[] { withImage, shortText, withOtherImage };
        for (int b = 0; b < 3; b++)
        {
            long n = rows[b].Length;
            var fromBatch = batched[b].narrow(0, t - n, n);
            var diff = ModelTestData.MaxAbsDiff(fromBatch, alone[b][0]);
            Assert.True(diff <= 1e-5f, $"row {b}: max abs logit difference {diff}");
        }
    }

    [Fact]
    public void Mismatched_image_token_count_names_both_counts()
    {
        using var model = ModelTestData.Tiny();
        using var scope = NewDisposeScope();
        var row = ModelTestData.PromptWithImage(2, 4, 6, 2, seed: 1); // 6 pad tokens
        var pixels = ModelTestData.Patches(4, 8, seed: 2);
        var grids = tensor(new long[] { 1, 4, 8 }).view(1, 3);         // gives 8 features
        var e = Assert.Throws<ArgumentException>(() => model.Forward(ModelTestData.Batch([row], pixels, grids)));
        Assert.Contains("6", e.Message);
        Assert.Contains("8", e.Message);
    }
}
