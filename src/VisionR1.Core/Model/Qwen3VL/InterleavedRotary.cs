namespace VisionR1.Model.Qwen3VL;

/// <summary>
/// The interleaved multimodal rotary layout of Qwen3-VL: of the head_dim / 2 frequency slots, slot j reads the height
/// position when j ≡ 1 (mod 3) and j &lt; 3·mrope_section[1], the width position when j ≡ 2 (mod 3) and
/// j &lt; 3·mrope_section[2], and the temporal position otherwise (transformers' <c>apply_interleaved_mrope</c>); both
/// halves of the head use the same slots.
/// </summary>
internal static class InterleavedRotary
{
    /// <summary>For each of the head_dim rotary slots, the position axis (0 = t, 1 = h, 2 = w) it reads.</summary>
    public static long[] AxisOfDimension(IReadOnlyList<int> section, int headDim)
    {
        int half = headDim / 2;
        var axis = new long[headDim];
        for (int j = 0; j < half; j++)
        {
            long a = j % 3 == 1 && j < 3 * section[1] ? 1 : j % 3 == 2 && j < 3 * section[2] ? 2 : 0;
            axis[j] = a;
            axis[j + half] = a;
        }
        return axis;
    }
}
