using VisionR1.Model.Checkpoints;
using VisionR1.Model.Config;
using VisionR1.Model.Text;
using VisionR1.Runtime;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace VisionR1.Tests.Parity;

/// <summary>
/// <see cref="RopeIndex"/> against transformers' <c>get_rope_index</c> on the cases in
/// <c>../shared/parity/rope/rope-ref.safetensors</c> (several images per row, adjacent images, image
/// first or last, t = 2 and t = 3 grids, a 600-token image run, no images, uneven padding).
/// </summary>
public sealed class RopeParityTests(ITestOutputHelper output)
{
    /// <summary>The case numbers K of <c>ids.K</c>; <see cref="Every_rope_case_is_listed"/> keeps this complete.</summary>
    private static readonly int[] CaseNumbers = [0, 1, 2, 3, 4, 5, 6];

    /// <summary>The cases as theory data.</summary>
    public static TheoryData<int> Cases() => new(CaseNumbers);

    [ParityFact]
    public void Every_rope_case_is_listed()
    {
        using var file = SafetensorsFile.Open(SharedParityData.File("rope", "rope-ref.safetensors"));
        var stored = file.Entries.Keys.Where(k => k.StartsWith("ids.", StringComparison.Ordinal))
            .Select(k => int.Parse(k["ids.".Length..], System.Globalization.CultureInfo.InvariantCulture)).Order();
        Assert.Equal(stored, CaseNumbers);
    }

    [ParityTheory]
    [MemberData(nameof(Cases))]
    public void Position_ids_and_deltas_equal_transformers(int k)
    {
        VisionR1Runtime.Initialize("cpu");
        using var scope = NewDisposeScope();
        using var file = SafetensorsFile.Open(SharedParityData.File("rope", "rope-ref.safetensors"));
        var ids = file.Read($"ids.{k}");
        var mask = file.Read($"mask.{k}");
        var grids = file.Entries.ContainsKey($"grid.{k}") ? ModelParityTests.Grids(file.Read($"grid.{k}")) : [];
        long b = ids.shape[0], t = ids.shape[1];
        // Image placeholder 5 and vision start 3, as in the compact tokenizer; spatial merge size 2.
        var index = RopeIndex.Compute(ids.data<long>().ToArray(), mask.data<long>().ToArray(), (int)b, (int)t,
            grids, ModelTokenIds.Compact, spatialMergeSize: 2);
        var positions = file.Read($"positions.{k}").data<long>().ToArray();
        var deltas = file.Read($"deltas.{k}").data<long>().ToArray();
        var differing = positions.Zip(index.Positions).Count(p => p.First != p.Second);
        var differingDeltas = deltas.Zip(index.Deltas).Count(p => p.First != p.Second);
        ParityReport.Write(output, $"rope.{k}",
        [
            $"parity rope case {k} ({b}x{t}, {grids.Count} image(s)): position ids {(differing == 0 ? "identical" : $"{differing} of {positions.Length} differ")}, " +
            $"deltas {(differingDeltas == 0 ? "identical" : $"{differingDeltas} of {deltas.Length} differ")}",
        ]);
        Assert.Equal(positions, index.Positions);
        Assert.Equal(deltas, index.Deltas);
    }
}
