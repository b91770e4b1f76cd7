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
        long n = shape.Aggregate(1L, (a, b) => a * b);
        var values = new float[n];
        ulong seed = Fnv1a64(name);
        Func<double, double> scale = name.StartsWith("pixel_values", StringComparison.Ordinal) ? u => u * 4.0
            : shape.Length >= 2 ? Scaled(Math.Sqrt(12.0 / shape.Skip(1).Aggregate(1L, (a, b) => a * b)))
            : name.EndsWith(".bias", StringComparison.Ordinal) ? u => u * 0.2
            : u => 1.0 + (u * 0.4);
        const int Chunk = 1 << 20;
        Parallel.For(0, (int)((n + Chunk - 1) / Chunk), c =>
        {
            long end = Math.Min(n, ((long)c + 1) * Chunk);
            for (long i = (long)c * Chunk; i < end; i++)
            {
                ulong z = unchecked(seed + ((ulong)(i + 1) * Golden));
                z = unchecked((z ^ (z >> 30)) * Mix1);
                z = unchecked((z ^ (z >> 27)) * Mix2);
                z ^= z >> 31;
                double u = ((double)(z >> 40) / (1 << 24)) - 0.5;
                values[i] = (float)scale(u);
            }
        });
        return values;
    }

    /// <summary>The tensor <paramref name="name"/> of <paramref name="shape"/> (fp32, CPU).</summary>
    public static Tensor Tensor(string name, params long[] shape) => tensor(Values(name, shape)).reshape(shape);

    /// <summary>Overwrites every parameter of <paramref name="model"/> with its formula value, by its Hub key name.</summary>
    public static void Fill(TorchSharp.torch.nn.Module model)
    {
        using var noGrad = no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            using var value = Tensor(name, parameter.shape);
            parameter.copy_(value);
        }
    }

    private static Func<double, double> Scaled(double factor) => u => u * factor;
}
