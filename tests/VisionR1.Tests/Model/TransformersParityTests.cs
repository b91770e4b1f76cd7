using VisionR1.Model.Checkpoints;
using VisionR1.Model.Text;
using VisionR1.Runtime;
using static TorchSharp.torch;

namespace VisionR1.Tests.Model;

/// <summary>Finds the fixture written by tools/parity/make_parity_fixture.py.</summary>
internal static class ParityFixture
{
    public const string RelativePath = "tests/VisionR1.Tests/Model/Fixtures/parity";

    /// <summary>The fixture folder, or null when it has not been generated.</summary>
    public static string? Directory { get; } = Find();

    private static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, RelativePath);
            if (File.Exists(Path.Combine(candidate, "parity_inputs.safetensors"))) return candidate;
        }
        return null;
    }
}

/// <summary>A fact that is skipped, with the reason, while the parity fixture is absent.</summary>
public sealed class ParityFactAttribute : FactAttribute
{
    public ParityFactAttribute()
    {
        if (ParityFixture.Directory is null)
            Skip = $"The transformers parity fixture ({ParityFixture.RelativePath}) has not been generated: run tools/parity/make_parity_fixture.py " +
                   "on a machine with PyTorch and transformers (none was available when this test was written).";
    }
}

public sealed class TransformersParityTests
{
    [ParityFact]
    public void Logits_match_transformers_within_1e4()
    {
        VisionR1Runtime.Initialize("cpu");
        var dir = ParityFixture.Directory!;
        using var model = CheckpointLoader.Load(dir);
        using var scope = NewDisposeScope();
        using var file = SafetensorsFile.Open(Path.Combine(dir, "parity_inputs.safetensors"));
        var ids = file.Read("input_ids");
        var mask = file.Read("attention_mask");
        var pixels = file.Read("pixel_values");
        var grids = file.Read("image_grid_thw");
        var expected = file.Read("logits");

        using var _ = no_grad();
        var logits = model.Forward(ids, mask, pixels, grids).Logits!;
        Assert.Equal(expected.shape, logits.shape);
        var real = mask.to_type(ScalarType.Bool).unsqueeze(-1).expand_as(logits);
        var diff = (logits - expected).abs().masked_select(real).max().item<float>();
        Assert.True(diff <= 1e-4f, $"max abs logit difference to transformers {diff}");

        if (file.Entries.ContainsKey("position_ids"))
        {
            long b = ids.shape[0], t = ids.shape[1];
            var g = grids.data<long>().ToArray();
            var (positions, _, _) = RopeIndex.Compute(ids.data<long>().ToArray(), mask.data<long>().ToArray(), (int)b, (int)t,
                Enumerable.Range(0, g.Length / 3).Select(i => (g[3 * i], g[3 * i + 1], g[3 * i + 2])).ToList(), model.Config.Tokens, 2);
            var hf = file.Read("position_ids").data<long>().ToArray();
            var m = mask.data<long>().ToArray();
            for (int axis = 0; axis < 3; axis++)
                for (int i = 0; i < b * t; i++)
                    if (m[i] == 1) Assert.Equal(hf[axis * b * t + i], positions[axis * b * t + i]);
        }
    }
}
