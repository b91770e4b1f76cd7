using VisionR1.Inputs;
using VisionR1.Model;
using VisionR1.Model.Qwen3VL;
using static TorchSharp.torch;

namespace VisionR1.Tests.Model.Qwen3VL;

/// <summary>What training needs of <see cref="Qwen3VLModel"/>: gradient checkpointing, the scoring prefill, the vision parameters.</summary>
public sealed class Qwen3VLTrainingTests
{
    /// <summary>An image row (a (1, 4, 4) image: 4 tokens in columns 2–5) and a text row with two columns of left padding.</summary>
    private static MultimodalBatch ImageAndTextRows(ulong pixelSeed)
    {
        var ids = tensor(new long[] { 9, 3, 5, 5, 5, 5, 4, 10, 11, 12, 0, 0, 13, 14, 15, 16, 17, 18, 19, 20 }).view(2, 10);
        var mask = tensor(new long[] { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1 }).view(2, 10);
        using var generator = new Generator(pixelSeed);
        return new MultimodalBatch(ids, mask, randn([16, 1536], generator: generator), tensor(new long[] { 1, 4, 4 }).view(1, 3));
    }

    /// <summary>Backward of a loss that reads every real position of <see cref="ImageAndTextRows"/>; returns the loss.</summary>
    private static float Backward(Qwen3VLModel model)
    {
        using var scope = NewDisposeScope();
        var batch = ImageAndTextRows(41);
        var mask = batch.AttentionMask;
        using var output = model.Forward(batch);
        var loss = output.Logits!.log_softmax(-1).select(-1, 7).mul(mask.to_type(ScalarType.Float32)).sum().neg();
        loss.backward();
        return loss.item<float>();
    }

    private static Dictionary<string, float[]> Gradients(Qwen3VLModel model) =>
        model.named_parameters().Where(p => p.parameter.grad is not null).ToDictionary(p => p.name, p => p.parameter.grad!.data<float>().ToArray());

    [Theory]
    [InlineData(GradientCheckpointing.TextLayers)]
    [InlineData(GradientCheckpointing.VisionBlocks)]
    [InlineData(GradientCheckpointing.All)]
    public void Checkpointed_layers_and_blocks_give_the_plain_gradients(GradientCheckpointing mode)
    {
        using var plain = Qwen3VLTestData.Initialized(false, seed: 42);
        Assert.Equal(GradientCheckpointing.None, plain.GradientCheckpointing);
        float plainLoss = Backward(plain);
        var expected = Gradients(plain);
        Assert.Equal(plain.named_parameters().Count(), expected.Count);

        using var checkpointed = Qwen3VLTestData.Initialized(false, seed: 42);
        checkpointed.GradientCheckpointing = mode;
        Assert.Equal(mode, checkpointed.GradientCheckpointing);
        Assert.Equal(plainLoss, Backward(checkpointed), 4);
        var actual = Gradients(checkpointed);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, e) in expected)
        {
            double scale = Math.Max(1e-6, e.Max(Math.Abs));
            double diff = e.Zip(actual[name], (x, y) => Math.Abs(x - y)).Max();
            Assert.True(diff <= 1e-5 * scale, $"{name}: max |Δgrad| {diff} (scale {scale})");
        }
    }

    [Fact]
    public void Checkpointing_leaves_inference_and_cached_forwards_unchanged()
    {
        using var model = Qwen3VLTestData.Initialized(false, seed: 43);
        using var scope = NewDisposeScope();
        var ids = tensor(new long[] { 9, 3, 5, 5, 5, 5, 4, 10 }).view(1, 8);
        var mask = ones_like(ids);
        using var generator = new Generator(44);
        var pixels = randn([16, 1536], generator: generator);
        var grids = tensor(new long[] { 1, 4, 4 }).view(1, 3);
        Tensor before, after;
        using (no_grad()) before = model.Forward(ids, mask, pixels, grids).Logits!;
        model.GradientCheckpointing = GradientCheckpointing.All;
        using (no_grad())
        {
            after = model.Forward(ids, mask, pixels, grids).Logits!;
            using var cache = model.AllocateCache(1, 8);
            using var cached = model.Forward(ids, mask, pixels, grids, cache);
            Assert.True(cached.Logits!.equal(after).all().item<bool>());
        }
        Assert.True(before.equal(after).all().item<bool>());
    }

    [Fact]
    public void Scoring_equals_the_forward_pass_when_no_sampled_token_is_an_image_pad()
    {
        using var model = Qwen3VLTestData.Initialized(false, seed: 45);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var batch = ImageAndTextRows(46);
        using var forward = model.Forward(batch, logits: LogitsMode.None);
        using var scored = model.ForwardForScoring(batch, textOnlyFrom: 7);
        Assert.Null(scored.Logits);
        Assert.True(scored.HiddenStates.equal(forward.HiddenStates).all().item<bool>());
        Assert.True(scored.RopeDeltas.equal(forward.RopeDeltas).all().item<bool>());
    }

    [Fact]
    public void Scoring_reads_sampled_vision_tokens_as_text_as_generation_saw_them()
    {
        using var model = Qwen3VLTestData.Initialized(false, seed: 47);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        // Prompt: text, an image, text (8 columns); the sampled completion holds <|vision_start|><|image_pad|>, a lone
        // <|image_pad|> and <|vision_start|><|video_pad|>.
        var prompt = new long[] { 9, 3, 5, 5, 5, 5, 4, 10 };
        var completion = new long[] { 11, 3, 5, 12, 5, 3, 6, 13 };
        var ids = tensor(prompt.Concat(completion).ToArray()).view(1, -1);
        var mask = ones_like(ids);
        using var generator = new Generator(48);
        var pixels = randn([16, 1536], generator: generator);
        var grids = tensor(new long[] { 1, 4, 4 }).view(1, 3);
        Assert.ThrowsAny<ArgumentException>(() => model.Forward(ids, mask, pixels, grids).Dispose());
        using var scored = model.ForwardForScoring(new MultimodalBatch(ids, mask, pixels, grids), textOnlyFrom: prompt.Length);
        var scoredLogits = model.Logits(scored.HiddenStates);

        // Generation fed the same tokens one by one to the cache: text by construction.
        using var cache = model.AllocateCache(1, ids.shape[1]);
        using var first = model.Forward(ids.narrow(1, 0, prompt.Length), mask.narrow(1, 0, prompt.Length), pixels, grids, cache);
        float worst = (first.Logits! - scoredLogits.narrow(1, 0, prompt.Length)).abs().max().item<float>();
        for (int j = prompt.Length; j < ids.shape[1]; j++)
        {
            using var step = model.DecodeStep(ids.narrow(1, j, 1), mask.narrow(1, 0, j + 1), cache);
            worst = Math.Max(worst, (step.Logits! - scoredLogits.select(1, j)).abs().max().item<float>());
        }
        float scale = scoredLogits.abs().max().item<float>();
        Assert.True(worst <= 1e-5f * Math.Max(1f, scale), $"scoring and decoding differ by {worst} (largest |logit| {scale})");
    }

    [Fact]
    public void Vision_parameters_are_the_model_visual_tree_and_freezing_stops_only_them()
    {
        using var model = Qwen3VLTestData.Initialized(false, seed: 49);
        var vision = model.VisionParameters.Select(p => p.Name).ToList();
        Assert.Equal(model.named_parameters().Count(p => p.name.StartsWith("model.visual.", StringComparison.Ordinal)), vision.Count);
        Assert.Contains("model.visual.deepstack_merger_list.0.linear_fc1.weight", vision);
        Assert.Contains("model.visual.pos_embed.weight", vision);
        model.FreezeVision();
        Assert.All(model.named_parameters(), p => Assert.Equal(!p.name.StartsWith("model.visual.", StringComparison.Ordinal), p.parameter.requires_grad));
        Assert.Equal(QwenVLFamily.Qwen3VL, model.Family);
        Assert.Equal(4, model.SpatialMergeUnit);
        Assert.Equal(64, model.VocabSize);
        Assert.Equal(4096, model.MaxPositionEmbeddings);
        Assert.Equal(5, model.Tokens.ImageTokenId);
        // LoRA attaches under this prefix: every decoder layer's projections are there.
        var layerLinears = model.named_modules().Where(m => m.name.StartsWith(model.TextLayersPrefix, StringComparison.Ordinal) && m.module is VisionR1.Model.Layers.Linear).ToList();
        Assert.Equal(2 * 7, layerLinears.Count);
    }

    [Fact]
    public void Without_gradients_a_repeated_image_is_encoded_once_with_the_features_and_logits_of_encoding_each()
    {
        using var model = Qwen3VLTestData.Initialized(false, seed: 50);
        using var scope = NewDisposeScope();
        // Three rows, the first and last with the same image (as the samples of a GRPO group share their prompt's).
        var ids = tensor(new long[] { 9, 3, 5, 5, 5, 5, 4, 10, 11, 3, 5, 5, 5, 5, 4, 12, 13, 3, 5, 5, 5, 5, 4, 14 }).view(3, 8);
        var mask = ones_like(ids);
        using var generator = new Generator(51);
        var a = randn([16, 1536], generator: generator);
        var b = randn([16, 1536], generator: generator);
        var pixels = cat([a, b, a], 0);
        var grids = tensor(new long[] { 1, 4, 4, 1, 4, 4, 1, 4, 4 }).view(3, 3);
        var gridList = new List<(long, long, long)> { (1, 4, 4), (1, 4, 4), (1, 4, 4) };

        int encodedImages = 0;
        var (outputs, encoded) = DistinctImages.Encode((p, g) =>
        {
            encodedImages += g.Count;
            var (e, d) = model.model.visual.Forward(p, g);
            return [e, .. d];
        }, pixels, gridList, 4);
        Assert.Equal(2, encoded);
        Assert.Equal(2, encodedImages);
        using (no_grad())
        {
            var (embeds, deepstack) = model.model.visual.Forward(pixels, gridList);
            Assert.Equal(1 + deepstack.Length, outputs.Length);
            Assert.True(outputs[0].allclose(embeds, 1e-5, 1e-6), "merged embeddings differ");
            for (int k = 0; k < deepstack.Length; k++) Assert.True(outputs[k + 1].allclose(deepstack[k], 1e-5, 1e-6), $"DeepStack feature {k} differs");
        }

        Tensor once;
        using (no_grad()) once = model.Forward(ids, mask, pixels, grids).Logits!;
        var each = model.Forward(ids, mask, pixels, grids).Logits!.detach(); // gradients on, vision trainable: every image encoded
        float scale = each.abs().max().item<float>();
        Assert.True((once - each).abs().max().item<float>() <= 1e-5f * scale);
    }
}
