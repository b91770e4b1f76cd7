using System.Globalization;
using VisionR1.Model.Checkpoints;
using VisionR1.Model.Qwen3VL;
using VisionR1.Model.Text;
using VisionR1.Runtime;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace VisionR1.Tests.Parity;

/// <summary>
/// The Qwen3-VL port against transformers' <c>Qwen3VLForConditionalGeneration</c> (4.57, eager, fp32): two small models at
/// the released head sizes (text head_dim 128 with the interleaved mrope_section [24, 20, 20]; vision heads of 64 and 72;
/// 16-pixel patches; the 48×48 learned position table interpolated up and down; DeepStack from one and from two vision
/// blocks), tied and untied heads, with the weights computed on both sides by <see cref="FormulaWeights"/>. The reference
/// outputs ship in Fixtures/parity-qwen3vl (written by tools/parity/make_qwen3vl_fixture.py), so these tests always run.
/// </summary>
public sealed class Qwen3VLParityTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-4;

    private static string Folder(string model) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "parity-qwen3vl", model);

    [Theory]
    [InlineData("tied", "batch-ext")]
    [InlineData("tied", "batch-textonly")]
    [InlineData("untied", "batch-ext")]
    [InlineData("untied", "batch-textonly")]
    public void Logits_positions_image_and_deepstack_features_match_transformers(string model, string batch)
    {
        VisionR1Runtime.Initialize("cpu");
        using var net = Build(model);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var file = SafetensorsFile.Open(Path.Combine(Folder(model), batch + ".safetensors"));
        var ids = file.Read("input_ids");
        var mask = file.Read("attention_mask");
        var grids = file.Entries.ContainsKey("image_grid_thw") ? file.Read("image_grid_thw") : null;
        var gridList = grids is null ? [] : ModelParityTests.Grids(grids);
        long patches = gridList.Sum(g => g.T * g.H * g.W);
        var pixels = grids is null ? null : FormulaWeights.Tensor($"pixel_values.{batch}", patches, 1536);

        var index = RopeIndex.Compute(ids.data<long>().ToArray(), mask.data<long>().ToArray(), (int)ids.shape[0], (int)ids.shape[1],
            gridList, net.Config.Tokens, net.Config.Vision.SpatialMergeSize, framesAdvanceTime: true);
        Assert.Equal(file.Read("position_ids").data<long>().ToArray(), index.Positions);
        Assert.Equal(file.Read("rope_deltas").data<long>().ToArray(), index.Deltas);

        double embedDiff = 0, deepstackDiff = 0;
        int levels = 0;
        if (pixels is not null)
        {
            var (embeds, deepstack) = net.EncodeImages(pixels, gridList);
            var expectedEmbeds = file.Read("image_embeds");
            Assert.Equal(expectedEmbeds.shape, embeds.shape);
            embedDiff = (embeds - expectedEmbeds).abs().max().item<float>();
            levels = deepstack.Length;
            Assert.Equal(net.Config.Vision.DeepstackVisualIndexes.Count, levels);
            for (int k = 0; k < levels; k++)
            {
                var expected = file.Read($"deepstack.{k}");
                Assert.Equal(expected.shape, deepstack[k].shape);
                deepstackDiff = Math.Max(deepstackDiff, (deepstack[k] - expected).abs().max().item<float>());
            }
        }

        using var result = net.Forward(ids, mask, pixels, grids);
        Assert.Equal(file.Read("rope_deltas").data<long>().ToArray(), result.RopeDeltas.data<long>().ToArray());
        var logits = result.Logits!;
        var expectedLogits = file.Read("logits");
        Assert.Equal(expectedLogits.shape, logits.shape);
        var real = mask.to_type(ScalarType.Bool);
        var diff = (logits - expectedLogits).abs().masked_select(real.unsqueeze(-1).expand_as(logits)).max().item<float>();
        var largest = expectedLogits.abs().max().item<float>();
        var gap = double.Parse(file.Metadata["fp64_gap"], CultureInfo.InvariantCulture);
        var argmaxEqual = logits.argmax(-1).eq(expectedLogits.argmax(-1)).masked_select(real).sum().item<long>();
        var positions = real.sum().item<long>();

        ParityReport.Write(output, $"qwen3vl.{model}.{batch}",
        [
            string.Format(CultureInfo.InvariantCulture,
                "parity qwen3-vl {0} {1} (text {2} wide, head_dim {3}, {4} layers; vision {5} wide, {6} blocks, deepstack [{7}]; {8} images): max |dlogits| {9:0.0e+0} vs transformers fp32 (tolerance {10:0e+0}; its own fp32-vs-fp64 gap {11:0.0e+0}; largest logit {12:0.0}) over {13} real positions, argmax equal at {14}/{13}; image embeddings max |d| {15:0.0e+0}; deepstack ({16} levels) max |d| {17:0.0e+0}; position ids and rope deltas identical",
                model, batch, net.Config.Text.HiddenSize, net.Config.Text.HeadDim, net.Config.Text.NumHiddenLayers, net.Config.Vision.HiddenSize,
                net.Config.Vision.Depth, string.Join(",", net.Config.Vision.DeepstackVisualIndexes), gridList.Count, diff, Tolerance, gap, largest,
                positions, argmaxEqual, embedDiff, levels, deepstackDiff),
        ]);
        Assert.True(diff <= Tolerance, $"{model}/{batch}: max |dlogits| {diff} exceeds {Tolerance}");
        Assert.True(embedDiff <= Tolerance, $"{model}/{batch}: max |d image_embeds| {embedDiff} exceeds {Tolerance}");
        Assert.True(deepstackDiff <= Tolerance, $"{model}/{batch}: max |d deepstack| {deepstackDiff} exceeds {Tolerance}");
        Assert.Equal(positions, argmaxEqual);
    }

    [Fact]
    public void Parameter_names_are_the_checkpoint_keys_of_transformers()
    {
        VisionR1Runtime.Initialize("cpu");
        using var tied = new Qwen3VLModel(Qwen3VLConfig.Load(Folder("tied")), META);
        using var untied = new Qwen3VLModel(Qwen3VLConfig.Load(Folder("untied")), META);
        var names = tied.named_parameters().Select(p => p.name).ToHashSet();
        string[] expected =
        [
            "model.visual.patch_embed.proj.weight", "model.visual.patch_embed.proj.bias", "model.visual.pos_embed.weight",
            "model.visual.blocks.3.norm1.weight", "model.visual.blocks.3.norm1.bias", "model.visual.blocks.3.norm2.bias",
            "model.visual.blocks.0.attn.qkv.weight", "model.visual.blocks.0.attn.qkv.bias", "model.visual.blocks.0.attn.proj.bias",
            "model.visual.blocks.0.mlp.linear_fc1.weight", "model.visual.blocks.0.mlp.linear_fc2.bias",
            "model.visual.merger.norm.weight", "model.visual.merger.norm.bias", "model.visual.merger.linear_fc1.weight", "model.visual.merger.linear_fc2.bias",
            "model.visual.deepstack_merger_list.1.norm.weight", "model.visual.deepstack_merger_list.1.linear_fc2.weight",
            "model.language_model.embed_tokens.weight", "model.language_model.norm.weight",
            "model.language_model.layers.2.input_layernorm.weight", "model.language_model.layers.2.post_attention_layernorm.weight",
            "model.language_model.layers.2.self_attn.q_proj.weight", "model.language_model.layers.2.self_attn.k_proj.weight",
            "model.language_model.layers.2.self_attn.v_proj.weight", "model.language_model.layers.2.self_attn.o_proj.weight",
            "model.language_model.layers.2.self_attn.q_norm.weight", "model.language_model.layers.2.self_attn.k_norm.weight",
            "model.language_model.layers.2.mlp.gate_proj.weight", "model.language_model.layers.2.mlp.up_proj.weight", "model.language_model.layers.2.mlp.down_proj.weight",
        ];
        foreach (var key in expected) Assert.Contains(key, names);
        Assert.DoesNotContain("lm_head.weight", names);
        Assert.DoesNotContain(names, n => n.EndsWith("q_proj.bias", StringComparison.Ordinal));
        Assert.Contains("lm_head.weight", untied.named_parameters().Select(p => p.name));
        // Per vision block: norm1, norm2, qkv, proj, linear_fc1, linear_fc2, each weight and bias; patch_embed (2) and pos_embed (1);
        // each merger: norm, linear_fc1, linear_fc2 (weight, bias); per decoder layer: 2 norms, 4 projections, q/k norms, 3 MLP matrices;
        // embed_tokens and the final norm.
        Assert.Equal((4 * 12) + 3 + 6 + (2 * 6) + 1 + (3 * 11) + 1, names.Count);
    }

    private static Qwen3VLModel Build(string model)
    {
        var net = new Qwen3VLModel(Qwen3VLConfig.Load(Folder(model)));
        FormulaWeights.Fill(net);
        net.eval();
        return net;
    }
}
