using System.Globalization;
using VisionR1.Model;
using VisionR1.Model.Checkpoints;
using VisionR1.Model.Config;
using VisionR1.Model.Text;
using VisionR1.Runtime;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace VisionR1.Tests.Parity;

/// <summary>
/// The model at the released widths against transformers' Qwen2.5-VL: the 3B and 7B text shapes
/// (head_dim 128, mrope_section [16, 24, 24], tied and untied heads) and the released vision tower
/// (1,280 wide, window 112 px, a full-attention block), at 2 text layers and 4 vision blocks, with the
/// weights computed on both sides by <see cref="FormulaWeights"/>. The reference outputs ship in
/// Fixtures/parity-real (written by tools/parity/make_real_width_fixture.py), so these tests always run.
/// </summary>
[Collection(RealWidthCollection.Name)]
public sealed class RealWidthParityTests(ITestOutputHelper output)
{
    /// <summary>The tolerance of the small cases; at these widths transformers' own fp32-vs-fp64 gap is recorded beside each batch.</summary>
    private const double Tolerance = 1e-4;

    private static string Folder(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "parity-real", name);

    [Theory]
    [InlineData("3b")]
    [InlineData("7b")]
    public void Logits_image_embeddings_and_positions_match_transformers_at_the_released_widths(string name)
    {
        VisionR1Runtime.Initialize("cpu");
        using var model = Build(name);
        using var scope = NewDisposeScope();
        using var file = SafetensorsFile.Open(Path.Combine(Folder(name), "batch.safetensors"));
        using var noGrad = no_grad();
        var ids = file.Read("input_ids");
        var mask = file.Read("attention_mask");
        var grids = file.Read("image_grid_thw");
        var gridList = ModelParityTests.Grids(grids);
        long patches = gridList.Sum(g => g.T * g.H * g.W);
        var pixels = FormulaWeights.Tensor("pixel_values.batch", patches, 1176);

        var index = RopeIndex.Compute(ids.data<long>().ToArray(), mask.data<long>().ToArray(), (int)ids.shape[0], (int)ids.shape[1],
            gridList, model.Config.Tokens, model.Config.Vision.SpatialMergeSize);
        Assert.Equal(file.Read("position_ids").data<long>().ToArray(), index.Positions);
        Assert.Equal(file.Read("rope_deltas").data<long>().ToArray(), index.Deltas);

        var stride = long.Parse(file.Metadata["embed_row_stride"], CultureInfo.InvariantCulture);
        var embeds = model.visual.Forward(pixels, gridList);
        var expectedEmbeds = file.Read("image_embeds");
        var embedDiff = (embeds.index_select(0, arange(0, embeds.shape[0], stride)) - expectedEmbeds).abs().max().item<float>();

        using var result = model.Forward(ids, mask, pixels, grids);
        var logits = result.Logits!;
        var expected = file.Read("logits");
        Assert.Equal(expected.shape, logits.shape);
        var real = mask.to_type(ScalarType.Bool);
        var diff = (logits - expected).abs().masked_select(real.unsqueeze(-1).expand_as(logits)).max().item<float>();
        var largest = expected.abs().max().item<float>();
        var gap = double.Parse(file.Metadata["fp64_gap"], CultureInfo.InvariantCulture);
        var argmaxEqual = logits.argmax(-1).eq(expected.argmax(-1)).masked_select(real).sum().item<long>();
        var positions = real.sum().item<long>();

        var f = CultureInfo.InvariantCulture;
        ParityReport.Write(output, $"real-width.{name}",
        [
            string.Format(f, "parity real width {0} (text {1} wide, {2} layers; vision {3} wide, {4} blocks): max |dlogits| {5:0.0e+0} vs transformers fp32 (tolerance {6:0e+0}; its own fp32-vs-fp64 gap {7:0.0e+0}; largest logit {8:0.0}) over {9} real positions, argmax equal at {10}/{9}; image embeddings max |d| {11:0.0e+0}; position ids and rope deltas identical",
                name, model.Config.Text.HiddenSize, model.Config.Text.NumHiddenLayers, model.Config.Vision.HiddenSize, model.Config.Vision.Depth,
                diff, Tolerance, gap, largest, positions, argmaxEqual, embedDiff),
        ]);
        Assert.True(diff <= Tolerance, $"{name}: max |dlogits| {diff} exceeds {Tolerance}");
        Assert.True(embedDiff <= Tolerance, $"{name}: max |d image_embeds| {embedDiff} exceeds {Tolerance}");
        Assert.Equal(positions, argmaxEqual);
    }

    [Theory]
    [InlineData("3b", 1024, 768)]
    [InlineData("3b", 448, 1344)]
    public void The_vision_tower_matches_transformers_on_real_image_grids(string name, int width, int height)
    {
        VisionR1Runtime.Initialize("cpu");
        using var file = SafetensorsFile.Open(Path.Combine(Folder(name), $"vision-{width}x{height}.safetensors"));
        var config = Qwen25VLConfig.Load(Folder(name));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var grid = ModelParityTests.Grids(file.Read("image_grid_thw")).Single();
        Assert.Equal(grid, GridOf(config, width, height));
        using var model = Build(name);
        var pixels = FormulaWeights.Tensor($"pixel_values.{width}x{height}", grid.T * grid.H * grid.W, 1176);
        var embeds = model.visual.Forward(pixels, [grid]);
        var norms = file.Read("row_norms");
        Assert.Equal(norms.shape[0], embeds.shape[0]);
        var stride = long.Parse(file.Metadata["embed_row_stride"], CultureInfo.InvariantCulture);
        var rowDiff = (embeds.index_select(0, arange(0, embeds.shape[0], stride)) - file.Read("image_embeds")).abs().max().item<float>();
        var normDiff = (embeds.norm(-1) - norms).abs().max().item<float>();
        var largest = norms.max().item<float>();

        ParityReport.Write(output, $"real-width.{name}.vision-{width}x{height}",
        [
            string.Format(CultureInfo.InvariantCulture,
                "parity real width vision {0}x{1}: grid {2}x{3} ({4} patches, {5} merged tokens, window 112 px, full attention in block {6}): stored rows max |d| {7:0.0e+0}, every row's L2 norm max |d| {8:0.0e+0} (largest norm {9:0.0})",
                width, height, grid.H, grid.W, grid.T * grid.H * grid.W, embeds.shape[0], string.Join(",", config.Vision.FullAttentionBlockIndexes), rowDiff, normDiff, largest),
        ]);
        Assert.True(rowDiff <= Tolerance, $"{width}x{height}: max |d image_embeds| {rowDiff} exceeds {Tolerance}");
        Assert.True(normDiff <= Tolerance * Math.Max(1, largest), $"{width}x{height}: row norms differ by {normDiff}");
    }

    private static Qwen25VLModel Build(string name)
    {
        var config = Qwen25VLConfig.Load(Folder(name));
        var model = new Qwen25VLModel(config);
        FormulaWeights.Fill(model);
        model.eval();
        return model;
    }

    private static (long T, long H, long W) GridOf(Qwen25VLConfig config, int width, int height)
    {
        var (h, w) = VisionR1.Inputs.ImageProcessor.SmartResize(height, width);
        long patch = config.Vision.PatchSize;
        return (1, h / patch, w / patch);
    }
}

/// <summary>The real-width cases build models of several GB; they run one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RealWidthCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Real-width parity";
}
