using System.Globalization;
using VisionR1.Model.Checkpoints;
using VisionR1.Model.Text;
using VisionR1.Runtime;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace VisionR1.Tests.Parity;

/// <summary>
/// The model against transformers' own Qwen2.5-VL on the random checkpoints in
/// <c>../shared/parity/models</c>: logits at every real position, the vision tower's image
/// embeddings, M-RoPE position ids and rope deltas, for every stored batch.
/// </summary>
public sealed class ModelParityTests(ITestOutputHelper output)
{
    /// <summary>fp32 tolerance on logits; transformers' own fp32-vs-fp64 gap on these batches is up to 2.8e-5.</summary>
    private const double LogitTolerance = 1e-4;

    /// <summary>Every batch file of both models (<see cref="Every_reference_batch_is_listed"/> keeps this list complete).</summary>
    public static TheoryData<string, string> Batches() => new()
    {
        { "tiny", "batch-ext" },
        { "tiny", "batch-t2" },
        { "tiny", "batch-nopad" },
        { "tiny", "batch-textonly" },
        { "small-untied", "batch-ext" },
        { "small-untied", "batch-textonly" },
    };

    [ParityFact]
    public void Every_reference_batch_is_listed()
    {
        var models = Path.Combine(SharedParityData.Require(), "models");
        var stored = System.IO.Directory.GetFiles(models, "batch-*.safetensors", SearchOption.AllDirectories)
            .Select(f => (Path.GetFileName(Path.GetDirectoryName(f))!, Path.GetFileNameWithoutExtension(f)))
            .OrderBy(x => x).ToList();
        var listed = Batches().Select(row => ((string)row[0], (string)row[1])).OrderBy(x => x).ToList();
        Assert.Equal(stored, listed);
    }

    [ParityTheory]
    [MemberData(nameof(Batches))]
    public void Logits_image_embeddings_and_positions_match_transformers(string modelName, string batchName)
    {
        var modelDir = Path.Combine(SharedParityData.Require(), "models", modelName);
        var batchPath = SharedParityData.File("models", modelName, batchName + ".safetensors");
        VisionR1Runtime.Initialize("cpu");
        using var model = CheckpointLoader.Load(modelDir);
        using var scope = NewDisposeScope();
        using var file = SafetensorsFile.Open(batchPath);
        using var noGrad = no_grad();

        var ids = file.Read("input_ids");
        var mask = file.Read("attention_mask");
        var hasImages = file.Entries.ContainsKey("pixel_values");
        var pixels = hasImages ? file.Read("pixel_values") : null;
        var grids = hasImages ? file.Read("image_grid_thw") : null;
        long b = ids.shape[0], t = ids.shape[1];

        // Position ids and rope deltas, as the model computes them for the prefill.
        var gridList = grids is null ? [] : Grids(grids);
        var index = RopeIndex.Compute(ids.data<long>().ToArray(), mask.data<long>().ToArray(), (int)b, (int)t,
            gridList, model.Config.Tokens, model.Config.Vision.SpatialMergeSize);
        var hfPositions = file.Read("position_ids").data<long>().ToArray();
        var hfDeltas = file.Read("rope_deltas").data<long>().ToArray();
        var positionMismatches = hfPositions.Zip(index.Positions).Count(p => p.First != p.Second);
        var deltaMismatches = hfDeltas.Zip(index.Deltas).Count(p => p.First != p.Second);

        // Image embeddings: the vision tower and merger alone.
        double embedDiff = double.NaN;
        if (hasImages)
        {
            var embeds = model.visual.Forward(pixels!, gridList);
            var expectedEmbeds = file.Read("image_embeds");
            Assert.Equal(expectedEmbeds.shape, embeds.shape);
            embedDiff = (embeds - expectedEmbeds).abs().max().item<float>();
        }

        using var result = model.Forward(ids, mask, pixels, grids);
        var logits = result.Logits!;
        var expected = file.Read("logits");
        Assert.Equal(expected.shape, logits.shape);
        var real = mask.to_type(ScalarType.Bool);
        var realLogits = real.unsqueeze(-1).expand_as(logits);
        var logitDiff = (logits - expected).abs().masked_select(realLogits).max().item<float>();
        var fp64Diff = (logits.to_type(ScalarType.Float64) - file.Read("logits_fp64")).abs().masked_select(realLogits).max().item<double>();
        var hfGap = (expected.to_type(ScalarType.Float64) - file.Read("logits_fp64")).abs().masked_select(realLogits).max().item<double>();
        var largest = expected.abs().masked_select(realLogits).max().item<float>();
        var realPositions = real.sum().item<long>();
        var sameArgmax = logits.argmax(-1).eq(expected.argmax(-1));
        var argmaxEqual = sameArgmax.masked_select(real).sum().item<long>();
        // Where transformers' two best logits are closer than twice the tolerance, the winner may
        // legitimately flip; everywhere else the argmax must agree.
        var top2 = expected.topk(2, -1).values;
        var clearWinner = Scalars.Greater(top2.select(-1, 0) - top2.select(-1, 1), 2 * LogitTolerance).logical_and(real);
        var clearPositions = clearWinner.sum().item<long>();
        var clearAgree = sameArgmax.masked_select(clearWinner).sum().item<long>();

        var f = CultureInfo.InvariantCulture;
        ParityReport.Write(output, $"model.{modelName}.{batchName}",
        [
            string.Format(f, "parity model {0}/{1}: max |dlogits| {2:0.0e+0} vs transformers fp32 (tolerance {3:0e+0}), {4:0.0e+0} vs its fp64 run (its own fp32 gap {5:0.0e+0}; largest logit {6:0.0}) over {7} real positions; argmax equal at {8}/{7}",
                modelName, batchName, logitDiff, LogitTolerance, fp64Diff, hfGap, largest, realPositions, argmaxEqual),
            string.Format(f, "parity model {0}/{1}: image embeddings max |d| {2}; position ids {3}; rope deltas {4}",
                modelName, batchName, hasImages ? embedDiff.ToString("0.0e+0", f) : "n/a (no images)",
                positionMismatches == 0 ? $"identical ({hfPositions.Length} values)" : $"{positionMismatches} of {hfPositions.Length} differ",
                deltaMismatches == 0 ? $"identical ({hfDeltas.Length} rows)" : $"{deltaMismatches} of {hfDeltas.Length} differ"),
        ]);

        Assert.Equal(hfPositions, index.Positions);
        Assert.Equal(hfDeltas, index.Deltas);
        Assert.True(logitDiff <= LogitTolerance, $"{modelName}/{batchName}: max |dlogits| {logitDiff} exceeds {LogitTolerance}");
        Assert.Equal(clearPositions, clearAgree);
        if (hasImages)
        {
            Assert.True(embedDiff <= LogitTolerance, $"{modelName}/{batchName}: max |d image_embeds| {embedDiff} exceeds {LogitTolerance}");
        }
    }

    [ParityFact]
    public void A_transformers_checkpoint_renamed_to_its_module_names_loads_the_same_weights()
    {
        // The untied checkpoint transformers wrote, re-keyed as transformers' modules name their
        // parameters since v4.52 (what a raw state_dict() save gives): model.visual.*,
        // model.language_model.*, with lm_head.weight unchanged.
        var source = Path.Combine(SharedParityData.Require(), "models", "small-untied");
        var temp = System.IO.Directory.CreateTempSubdirectory("vr1-parity-keys-");
        try
        {
            File.Copy(SharedParityData.File("models", "small-untied", "config.json"), Path.Combine(temp.FullName, "config.json"));
            VisionR1Runtime.Initialize("cpu");
            using var scope = NewDisposeScope();
            using (var hub = SafetensorsFile.Open(Path.Combine(source, "model.safetensors")))
            {
                var renamed = hub.Entries.Keys.Select(k => new KeyValuePair<string, Tensor>(
                    k.StartsWith("visual.", StringComparison.Ordinal) ? "model." + k
                    : k.StartsWith("model.", StringComparison.Ordinal) ? "model.language_model." + k["model.".Length..]
                    : k, hub.Read(k))).ToList();
                Assert.Contains(renamed, kv => kv.Key == "lm_head.weight");
                Assert.Contains(renamed, kv => kv.Key == "model.language_model.embed_tokens.weight");
                SafetensorsFile.Write(Path.Combine(temp.FullName, "model.safetensors"), renamed);
            }

            using var original = CheckpointLoader.Load(source);
            using var loaded = CheckpointLoader.Load(temp.FullName);
            Assert.False(loaded.Config.Text.TieWordEmbeddings);
            var expected = original.state_dict();
            foreach (var (name, value) in loaded.state_dict())
            {
                Assert.True(value.shape.SequenceEqual(expected[name].shape) && value.allclose(expected[name], 0, 0), $"{name} differs after loading the module-named file");
            }

            Assert.Equal(expected.Count, loaded.state_dict().Count);
        }
        finally
        {
            temp.Delete(true);
        }
    }

    internal static List<(long T, long H, long W)> Grids(Tensor grids)
    {
        var g = grids.data<long>().ToArray();
        return Enumerable.Range(0, g.Length / 3).Select(i => (g[3 * i], g[(3 * i) + 1], g[(3 * i) + 2])).ToList();
    }
}
