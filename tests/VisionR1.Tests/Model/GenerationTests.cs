using TorchSharp;
using VisionR1.Inputs;
using VisionR1.Model;
using VisionR1.Model.Generation;
using static TorchSharp.torch;

namespace VisionR1.Tests.Model;

public sealed class GenerationTests
{
    private static MultimodalBatch ImagePrompt() =>
        ModelTestData.Batch([ModelTestData.PromptWithImage(3, 4, 6, 4, seed: 7)],
            ModelTestData.Patches(4, 6, seed: 8), tensor(new long[] { 1, 4, 6 }).view(1, 3));

    [Fact]
    public void Same_seed_gives_same_completions_and_another_seed_differs()
    {
        using var model = ModelTestData.Tiny();
        using var prompts = ModelTestData.Batch([ModelTestData.TextPrompt(6, 1), ModelTestData.TextPrompt(9, 2)]);
        var generator = new CompletionGenerator(model);
        var options = new GenerationOptions { MaxNewTokens = 12, StopTokenIds = [], Seed = 42 };
        var a = generator.Generate(prompts, options, samplesPerPrompt: 3);
        var b = generator.Generate(prompts, options, samplesPerPrompt: 3);
        var c = generator.Generate(prompts, options with { Seed = 43 }, samplesPerPrompt: 3);
        Assert.Equal(6, a.Completions.Count);
        for (int i = 0; i < 6; i++)
        {
            Assert.Equal(a.Completions[i].TokenIds, b.Completions[i].TokenIds);
            Assert.Equal(a.Completions[i].LogProbs, b.Completions[i].LogProbs);
        }
        Assert.NotEqual(a.Completions.SelectMany(x => x.TokenIds), c.Completions.SelectMany(x => x.TokenIds));
        // Samples of one prompt are drawn independently.
        Assert.NotEqual(a.Completions[0].TokenIds, a.Completions[1].TokenIds);
    }

    [Fact]
    public void Greedy_generation_agrees_with_full_recompute_and_token_log_probs()
    {
        using var model = ModelTestData.Tiny();
        using var scope = NewDisposeScope();
        var prompt = ImagePrompt();
        var result = new CompletionGenerator(model).Generate(prompt, new GenerationOptions { MaxNewTokens = 8, Temperature = 0, StopTokenIds = [] }, samplesPerPrompt: 2);
        var completion = result.Completions[0];
        Assert.Equal(completion.TokenIds, result.Completions[1].TokenIds);
        Assert.Equal(FinishReason.Length, completion.FinishReason);

        var (ids, mask) = result.ToPaddedTensors(0);
        var full = new MultimodalBatch(cat([prompt.InputIds, ids.narrow(0, 0, 1)], 1), cat([prompt.AttentionMask, mask.narrow(0, 0, 1)], 1), prompt.PixelValues, prompt.ImageGridThw);
        using var _ = no_grad();
        var logits = model.Forward(full).Logits!;
        long p = prompt.SequenceLength;
        var argmax = logits[0].narrow(0, p - 1, 8).argmax(-1).data<long>().ToArray();
        Assert.Equal(completion.TokenIds.Select(t => (long)t), argmax);

        using var lp = model.ComputeTokenLogProbs(full, 8, computeEntropy: true, chunkSize: 3);
        var recomputed = lp.LogProbs[0].data<float>().ToArray();
        for (int i = 0; i < 8; i++) Assert.True(Math.Abs(recomputed[i] - completion.LogProbs[i]) < 1e-4, $"token {i}: {recomputed[i]} vs {completion.LogProbs[i]}");
        var reference = logits[0].narrow(0, p - 1, 8).log_softmax(-1);
        var entropy = -(reference.exp() * reference).sum(-1);
        Assert.True(ModelTestData.MaxAbsDiff(entropy, lp.Entropy![0]) < 1e-4f);
    }

    [Fact]
    public void Left_padded_prompts_generate_as_if_alone()
    {
        using var model = ModelTestData.Tiny();
        var rows = new[] { ModelTestData.TextPrompt(4, 3), ModelTestData.TextPrompt(11, 4) };
        var options = new GenerationOptions { MaxNewTokens = 6, Temperature = 0, StopTokenIds = [] };
        var generator = new CompletionGenerator(model);
        using var batch = ModelTestData.Batch(rows);
        var together = generator.Generate(batch, options);
        for (int i = 0; i < rows.Length; i++)
        {
            using var alone = ModelTestData.Batch([rows[i]]);
            Assert.Equal(generator.Generate(alone, options).Completions[0].TokenIds, together.Completions[i].TokenIds);
        }
    }

    [Fact]
    public void Rows_that_finish_leave_the_batch_and_the_others_go_on_as_before()
    {
        using var model = ModelTestData.Tiny();
        var rows = new[] { ModelTestData.TextPrompt(4, 3), ModelTestData.TextPrompt(11, 4), ModelTestData.TextPrompt(7, 5), ModelTestData.TextPrompt(9, 6) };
        var generator = new CompletionGenerator(model);
        using var batch = ModelTestData.Batch(rows);
        var greedy = new GenerationOptions { MaxNewTokens = 10, Temperature = 0, StopTokenIds = [] };
        var full = generator.Generate(batch, greedy, samplesPerPrompt: 2).Completions.Select(c => c.TokenIds.ToList()).ToList();
        // A stop token that row 0 emits within its first three tokens and some other row never emits: row 0 then finishes
        // early while that row runs to the cap, whatever this CPU's greedy choices are.
        int stop = full[0].Take(3).First(t => full.Skip(2).Any(other => !other.Contains(t)));
        var expected = full.Select(tokens => tokens.Contains(stop) ? tokens.Take(tokens.IndexOf(stop) + 1).ToList() : tokens).ToList();
        Assert.Contains(expected, e => e.Count == 10);
        Assert.True(expected[0].Count <= 3);
        foreach (bool drop in new[] { true, false })
        {
            var result = generator.Generate(batch, greedy with { StopTokenIds = [stop], DropFinishedRows = drop }, samplesPerPrompt: 2);
            for (int i = 0; i < expected.Count; i++)
            {
                Assert.Equal(expected[i], result.Completions[i].TokenIds);
                Assert.Equal(expected[i].Count == 10 && expected[i][^1] != stop ? FinishReason.Length : FinishReason.Stop, result.Completions[i].FinishReason);
            }
        }
    }

    [Fact]
    public void Stop_token_ends_a_completion_and_top_k_one_is_greedy()
    {
        using var model = ModelTestData.Tiny();
        using var prompt = ModelTestData.Batch([ModelTestData.TextPrompt(5, 9)]);
        var generator = new CompletionGenerator(model);
        var greedy = generator.Generate(prompt, new GenerationOptions { MaxNewTokens = 5, Temperature = 0, StopTokenIds = [] }).Completions[0];
        Assert.Equal(5, greedy.TokenIds.Count);
        Assert.Equal(FinishReason.Length, greedy.FinishReason);

        var stopAt = greedy.TokenIds[2];
        var stopped = generator.Generate(prompt, new GenerationOptions { MaxNewTokens = 5, Temperature = 0, StopTokenIds = [stopAt] }).Completions[0];
        int firstStop = greedy.TokenIds.ToList().IndexOf(stopAt);
        Assert.Equal(greedy.TokenIds.Take(firstStop + 1), stopped.TokenIds);
        Assert.Equal(FinishReason.Stop, stopped.FinishReason);

        var topK = generator.Generate(prompt, new GenerationOptions { MaxNewTokens = 5, TopK = 1, StopTokenIds = [], Seed = 1 }).Completions[0];
        Assert.Equal(greedy.TokenIds, topK.TokenIds);
        var topP = generator.Generate(prompt, new GenerationOptions { MaxNewTokens = 5, TopP = 1e-6, StopTokenIds = [], Seed = 2 }).Completions[0];
        Assert.Equal(greedy.TokenIds, topP.TokenIds);
    }

    [Fact]
    public async Task Streaming_yields_the_same_tokens_and_honours_cancellation()
    {
        using var model = ModelTestData.Tiny();
        using var prompt = ImagePrompt();
        var options = new GenerationOptions { MaxNewTokens = 7, StopTokenIds = [], Seed = 5 };
        var generator = new CompletionGenerator(model);
        var expected = generator.Generate(prompt, options).Completions[0];
        var streamed = new List<GeneratedToken>();
        await foreach (var t in generator.StreamAsync(prompt, options)) streamed.Add(t);
        Assert.Equal(expected.TokenIds, streamed.Select(s => s.TokenId));
        Assert.Equal(FinishReason.Length, streamed[^1].FinishReason);
        Assert.All(streamed.Take(6), s => Assert.Null(s.FinishReason));

        using var cts = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in generator.StreamAsync(prompt, options, cts.Token)) cts.Cancel();
        });
        Assert.ThrowsAny<OperationCanceledException>(() => { generator.Generate(prompt, options, 1, cts.Token); });
    }

    [Fact]
    public void Five_hundred_decode_steps_leave_no_live_tensors_behind()
    {
        using var model = ModelTestData.Tiny();
        using var prompt = ModelTestData.Batch([ModelTestData.TextPrompt(4, 1), ModelTestData.TextPrompt(6, 2)]);
        var generator = new CompletionGenerator(model);
        long Live() => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        generator.Generate(prompt, new GenerationOptions { MaxNewTokens = 5, StopTokenIds = [], Seed = 1 });
        long before = Live();
        var shortRun = generator.Generate(prompt, new GenerationOptions { MaxNewTokens = 10, StopTokenIds = [], Seed = 1 });
        long afterShort = Live();
        var longRun = generator.Generate(prompt, new GenerationOptions { MaxNewTokens = 500, StopTokenIds = [], Seed = 1 });
        long afterLong = Live();
        Assert.Equal(500, longRun.Completions[0].TokenIds.Count);
        Assert.Equal(before, afterShort);
        Assert.Equal(before, afterLong);

        // A prompt that fails in the prefill (image tokens without images) leaves nothing behind either.
        using var bad = ModelTestData.Batch([ModelTestData.PromptWithImage(1, 4, 4, 1, seed: 3)]);
        long beforeBad = Live();
        Assert.Throws<ArgumentException>(() => generator.Generate(bad, new GenerationOptions { MaxNewTokens = 5 }));
        Assert.Equal(beforeBad, Live());
    }

    [Fact]
    public void Suppressed_tokens_are_never_generated_and_vision_pads_are_suppressed_by_default()
    {
        using var model = ModelTestData.Tiny();
        using var prompt = ModelTestData.Batch([ModelTestData.TextPrompt(5, 9)]);
        var generator = new CompletionGenerator(model);
        var greedy = generator.Generate(prompt, new GenerationOptions { MaxNewTokens = 1, Temperature = 0, StopTokenIds = [] }).Completions[0];
        int favourite = greedy.TokenIds[0];
        var other = generator.Generate(prompt, new GenerationOptions { MaxNewTokens = 1, Temperature = 0, StopTokenIds = [], SuppressTokenIds = [favourite] }).Completions[0];
        Assert.NotEqual(favourite, other.TokenIds[0]);
        var sampled = generator.Generate(prompt, new GenerationOptions { MaxNewTokens = 1, TopK = 1, Seed = 3, StopTokenIds = [], SuppressTokenIds = [favourite] }).Completions[0];
        Assert.Equal(other.TokenIds[0], sampled.TokenIds[0]);

        // Near-uniform sampling: without suppression about 4 of 2,000 tokens would be <|image_pad|> or <|video_pad|>.
        var hot = generator.Generate(prompt, new GenerationOptions { MaxNewTokens = 500, Temperature = 100, Seed = 4, StopTokenIds = [] }, samplesPerPrompt: 4);
        Assert.DoesNotContain(hot.Completions.SelectMany(c => c.TokenIds), t => t == 5 || t == 6);
    }

    [Fact]
    public void Prompt_budget_passes_a_prompt_that_fits_the_positions_and_names_the_limit_one_token_over()
    {
        Assert.Null(PromptBudget.Check(100, 28, maxPositionEmbeddings: 128));
        var why = PromptBudget.Check(101, 28, maxPositionEmbeddings: 128);
        Assert.NotNull(why);
        Assert.Contains("101 tokens", why, StringComparison.Ordinal);
        Assert.Contains("max_position_embeddings 128", why, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => PromptBudget.Check(1, 1, maxPositionEmbeddings: 0));
    }
}
