using VisionR1.Runtime;
using VisionR1.Model.Config;
using static TorchSharp.torch;

namespace VisionR1.Model.Text;

/// <summary>
/// cos/sin tables of the multimodal rotary embedding. Angles are computed in fp32 for each of
/// the three position axes; the head dimension is split by <c>mrope_section</c> (repeated for
/// both halves) and chunk i takes its angles from axis i mod 3.
/// </summary>
internal static class MultimodalRotary
{
    /// <summary>positions: (3, B, T) int64. Returns cos, sin: (B, T, head_dim) in <paramref name="dtype"/>.</summary>
    public static (Tensor Cos, Tensor Sin) Tables(Tensor positions, TextConfig config, ScalarType dtype) =>
        Tables(positions, AxisOfDimension(config.MropeSection, config.HeadDim), config.RopeTheta, dtype);

    /// <summary>
    /// positions: (3, B, T) int64; <paramref name="axis"/>: for each of the head_dim rotary slots, the position axis it reads
    /// (chunked for Qwen2.5-VL, interleaved for Qwen3-VL). Returns cos, sin: (B, T, head_dim) in <paramref name="dtype"/>.
    /// </summary>
    internal static (Tensor Cos, Tensor Sin) Tables(Tensor positions, long[] axis, double ropeTheta, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        int hd = axis.Length;
        var device = positions.device;
        var invFreq = pow(ropeTheta, Scalars.Div(Scalars.Arange(0, hd, 2, device: device).to_type(ScalarType.Float32), hd)).reciprocal(); // 1 / θ^(2i/d)
        var freqs = positions.to_type(ScalarType.Float32).unsqueeze(-1) * invFreq; // (3, B, T, hd/2)
        var emb = cat([freqs, freqs], -1);                                             // (3, B, T, hd)
        var index = tensor(axis, device: device).view(1, 1, 1, hd).expand(1, positions.shape[1], positions.shape[2], hd);
        var chosen = emb.gather(0, index).squeeze(0);                                   // (B, T, hd)
        var cos = chosen.cos().to_type(dtype);
        var sin = chosen.sin().to_type(dtype);
        return (cos.MoveToOuterDisposeScope(), sin.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// sin with its first half negated: rotate_half(x)·sin = roll(x, head_dim/2)·signed, so the attention
    /// layers rotate with one roll instead of slicing, negating and concatenating per call.
    /// </summary>
    public static Tensor SignFoldedSin(Tensor sin)
    {
        using var scope = NewDisposeScope();
        long half = sin.shape[^1] / 2;
        return cat([sin.narrow(-1, 0, half).neg(), sin.narrow(-1, half, half)], -1).MoveToOuterDisposeScope();
    }

    /// <summary>For each of the head_dim rotary slots, the position axis (0 = t, 1 = h, 2 = w) it reads.</summary>
    internal static long[] AxisOfDimension(IReadOnlyList<int> section, int headDim)
    {
        var axis = new long[headDim];
        int d = 0;
        for (int half = 0; half < 2; half++)
            for (int i = 0; i < section.Count; i++)
                for (int k = 0; k < section[i]; k++)
                    axis[d++] = i % 3;
        return axis;
    }
}
