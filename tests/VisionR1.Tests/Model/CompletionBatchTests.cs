using VisionR1.Model;
using VisionR1.Model.Generation;
using static TorchSharp.torch;

namespace VisionR1.Tests.Model;

public sealed class CompletionBatchTests
{
    [Fact]
    public void Token_log_probs_of_joined_batch_equal_the_sampling_log_probs()
    {
        using var model = ModelTestData.Tiny();
        using var scope = NewDisposeScope();
        var rows = new[]
        {
            ModelTestData.PromptWithImage(2, 4, 6, 3, seed: 1),
            ModelTestData.TextPrompt(5, seed: 2),
            ModelTestData.PromptWithImage(1, 8, 4, 2, seed: 3),
        };
        var pixels = cat([ModelTestData.Patches(4, 6, 4), ModelTestData.Patches(8, 4, 5)], 0);
        var grids = tensor(new long[] { 1, 4, 6, 1, 8, 4 }).view(2, 3);
        var prompts = ModelTestData.Batch(rows, pixels, grids);
        var options = new GenerationOptions { MaxNewTokens = 6, Temperature = 0.7, TopK = 50, Seed = 11, StopTokenIds = [2, 100, 200, 300, 400, 500, 600, 700, 800, 900] };
        var result = new CompletionGenerator(model).Generate(prompts, options, samplesPerPrompt: 2);

        using var batch = CompletionBatchBuilder.FromGeneration(model, prompts, result);
        Assert.Equal(6, batch.Inputs.BatchSize);
        Assert.Equal(prompts.SequenceLength, batch.PromptLength);
        Assert.Equal(2 * (24 + 32), batch.Inputs.PixelValues!.shape[0]);
        var completionMask = batch.CompletionMask.narrow(1, batch.PromptLength, batch.CompletionLength);
        Assert.Equal(0, batch.CompletionMask.narrow(1, 0, batch.PromptLength).sum().item<long>());
        using var lp = model.ComputeTokenLogProbs(batch, temperature: 0.7);
        for (int r = 0; r < 6; r++)
        {
            var completion = result.Completions[r];
            var got = lp.LogProbs[r].data<float>().ToArray();
            for (int j = 0; j < completion.TokenIds.Count; j++)
                Assert.True(Math.Abs(got[j] - completion.LogProbs[j]) < 1e-4, $"row {r} token {j}: {got[j]} vs sampled {completion.LogProbs[j]}");
            Assert.Equal(completion.TokenIds.Count, completionMask[r].sum().item<long>());
        }
    }

    [Fact]
    public void Sampled_vision_tokens_in_a_completion_are_scored_as_text_like_in_decoding()
    {
        using var model = ModelTestData.Tiny();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var prompt = ModelTestData.Batch([ModelTestData.PromptWithImage(2, 4, 6, 3, seed: 1)],
            ModelTestData.Patches(4, 6, 4), tensor(new long[] { 1, 4, 6 }).view(1, 3));
        long[] completion = [3, 5, 5, 9, 5, 2];
        long p = prompt.SequenceLength;

        // Reference: decode the completion token by token through the KV cache.
        using var cache = KvCache.Allocate(model.Config.Text, 1, p + completion.Length, model.DType, model.Device);
        var logits = model.Forward(prompt, cache, LogitsMode.LastPosition).Logits!;
        var expected = new float[completion.Length];
        for (int j = 0; j < completion.Length; j++)
        {
            expected[j] = logits.log_softmax(-1)[0, completion[j]].item<float>();
            var mask = ones(1, p + j + 1, dtype: ScalarType.Int64);
            logits = model.Forward(tensor(new[] { completion[j] }).view(1, 1), mask, null, null, cache, LogitsMode.LastPosition).Logits!;
        }

        var sequences = new VisionR1.Inputs.MultimodalBatch(
            cat([prompt.InputIds, tensor(completion).view(1, -1)], 1), ones(1, p + completion.Length, dtype: ScalarType.Int64),
            prompt.PixelValues, prompt.ImageGridThw);
        using var lp = model.ComputeTokenLogProbs(sequences, completion.Length);
        var got = lp.LogProbs[0].data<float>().ToArray();
        for (int j = 0; j < completion.Length; j++)
            Assert.True(Math.Abs(got[j] - expected[j]) < 1e-4, $"token {j}: {got[j]} vs decoded {expected[j]}");
    }
}
