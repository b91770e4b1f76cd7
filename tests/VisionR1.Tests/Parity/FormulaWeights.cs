using static TorchSharp.torch;

namespace VisionR1.Tests.Parity;

/// <summary>
/// Tensors computed from their name, as tools/parity/make_real_width_fixture.py computes them, so
/// that models of the released widths need no weights in the repository: element i of tensor
/// <c>name</c> is u = splitmix64(FNV-1a(name) + (i + 1)·φ) / 2^64 − 0.5 (24 bits, exact in fp32),
/// scaled by kind. Every operation is IEEE double arithmetic rounded once to fp32, so both sides get
/// the same bits.
/// </summary>
internal static class FormulaWeights
{
    private const ulong Golden = 0x9E3779B97F4A7C15, Mix1 = 0xBF58476D1CE4E5B9, Mix2 = 0x94D049BB133111EB;

    /// <summary>64-bit FNV-1a of the UTF-8 bytes of <paramref name="text"/>.</summary>
    public static ulong Fnv1a64(string text)
    {
        ulong h = 0xCBF29CE484222325;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(text))
        {
            h = unchecked((h ^ b) * 0x100000001B3);
        }

        return h;
    }

    /// <summary>
    /// The values of tensor <paramref name="name"/>: pixel values 4u, matrices u·√(12 / fan-in)
    /// (standard deviation 1/√fan-in), biases 0.2u, norm weights 1 + 0.4u.
    /// </summary>
    public static float[] Values(string name, long[] shape)
    {
        var values = new float[shape.Aggregate(1L, (a, b) => a * b)];
        Write(name, shape, 0, values);
        return values;
    }

    /// <summary>The tensor <paramref name="name"/> of <paramref name="shape"/> (fp32, CPU).</summary>
    public static Tensor Tensor(string name, params long[] shape) => tensor(Values(name, shape)).reshape(shape);

    /// <summary>
    /// Overwrites every parameter of <paramref name="model"/> with its formula value, by its Hub key name, through one
    /// reused buffer of <see cref="Chunk"/> values, so a model of several GB needs no second copy of any weight.
    /// </summary>
    public static void Fill(TorchSharp.torch.nn.Module model)
    {
        using var noGrad = no_grad();
        var buffer = new float[Chunk];
        foreach (var (name, parameter) in model.named_parameters())
        {
            using var flat = parameter.view(-1);
            long n = flat.shape[0];
            for (long start = 0; start < n; start += Chunk)
            {
                int len = (int)Math.Min(Chunk, n - start);
                Write(name, parameter.shape, start, buffer.AsSpan(0, len));
                using var whole = tensor(buffer, [Chunk]);
                using var part = whole.narrow(0, 0, len);
                using var target = flat.narrow(0, start, len);
                target.copy_(part);
            }
        }
    }

    private const int Chunk = 1 << 22;

    /// <summary>Elements <paramref name="start"/> .. start + destination.Length of tensor <paramref name="name"/>.</summary>
    private static void Write(string name, long[] shape, long start, Span<float> destination)
    {
        ulong seed = Fnv1a64(name);
        double factor = shape.Length >= 2 ? Math.Sqrt(12.0 / shape.Skip(1).Aggregate(1L, (a, b) => a * b)) : 0;
        int kind = name.StartsWith("pixel_values", StringComparison.Ordinal) ? 0 : shape.Length >= 2 ? 1 : name.EndsWith(".bias", StringComparison.Ordinal) ? 2 : 3;
        for (int k = 0; k < destination.Length; k++)
        {
            ulong z = unchecked(seed + ((ulong)(start + k + 1) * Golden));
            z = unchecked((z ^ (z >> 30)) * Mix1);
            z = unchecked((z ^ (z >> 27)) * Mix2);
            z ^= z >> 31;
            double u = ((double)(z >> 40) / (1 << 24)) - 0.5;
            destination[k] = (float)(kind switch
            {
                0 => u * 4.0,
                1 => u * factor,
                2 => u * 0.2,
                _ => 1.0 + (u * 0.4),
            });
        }
    }
}
