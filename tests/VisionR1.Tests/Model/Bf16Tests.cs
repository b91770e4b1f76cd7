using VisionR1.Model;
using VisionR1.Model.Generation;
using static TorchSharp.torch;

namespace VisionR1.Tests.Model;

public sealed class Bf16Tests
{
    [Fact]
    public void Bf16_model_gives_fp32_logits_close_to_the_fp32_model()
    {
        using var fp32 = ModelTestData.Tiny(seed: 2);
        using var bf16 = new Qwen25VLModel(fp32.Config, CPU, ScalarType.BFloat16);
        using (no_grad())
        {
            var source = fp32.state_dict();
            foreach (var (k, t) in bf16.state_dict()) t.copy_(source[k]);
        }
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var batch = ModelTestData.Batch([ModelTestData.PromptWithImage(2, 4, 6, 3, seed: 1), ModelTestData.TextPrompt(6, 2)],
            ModelTestData.Patches(4, 6, 3), tensor(new long[] { 1, 4, 6 }).view(1, 3));
        var reference = fp32.Forward(batch).Logits!;
        var low = bf16.Forward(batch).Logits!;
        Assert.Equal(ScalarType.Float32, low.dtype);
        var real = batch.AttentionMask.to_type(ScalarType.Bool).unsqueeze(-1).expand_as(low);
        var diff = (low - reference).abs().masked_select(real);
        var scale = reference.abs().masked_select(real).mean().item<float>();
        Assert.True(diff.mean().item<float>() < 0.05f * scale, $"mean |bf16 − fp32| {diff.mean().item<float>()} vs mean |logit| {scale}");

        var result = new CompletionGenerator(bf16).Generate(batch, new GenerationOptions { MaxNewTokens = 4, Seed = 1, StopTokenIds = [] }, 2);
        Assert.All(result.Completions, c => Assert.All(c.LogProbs, lp => Assert.True(float.IsFinite(lp) && lp <= 0)));
    }
}
