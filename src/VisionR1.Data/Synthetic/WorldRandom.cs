using System.Security.Cryptography;
using System.Text;

namespace VisionR1.Data.Synthetic;

/// <summary>
/// A small seeded generator (SplitMix64) whose sequence is fixed by this code alone, so a seed
/// gives the same world on every .NET version and platform. Not thread-safe: one per stream.
/// </summary>
internal sealed class WorldRandom(ulong seed)
{
    private ulong _state = seed;

    /// <summary>A generator for a named stream of a seed ("train", "test", "teacher/ID/reasoning", ...).</summary>
    public static WorldRandom For(long seed, string stream) => new(Mix(seed, stream));

    /// <summary>A 64-bit seed from a seed and a stream name (SHA-256, so streams never correlate).</summary>
    public static ulong Mix(long seed, string stream)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(seed.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\u001f" + stream), hash);
        return BitConverter.ToUInt64(hash[..8]);
    }

    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, maxExclusive).</summary>
    public int Next(int maxExclusive)
    {
        if (maxExclusive <= 0) throw new ArgumentOutOfRangeException(nameof(maxExclusive), maxExclusive, "Must be positive.");
        return (int)(NextUInt64() % (ulong)maxExclusive);
    }

    /// <summary>Uniform integer in [minInclusive, maxInclusive].</summary>
    public int Between(int minInclusive, int maxInclusive) => minInclusive + Next(maxInclusive - minInclusive + 1);

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    public bool Chance(double p) => NextDouble() < p;

    /// <summary>The list in a random order (Fisher–Yates).</summary>
    public List<T> Shuffled<T>(IEnumerable<T> items)
    {
        var list = items.ToList();
        for (int i = list.Count - 1; i > 0; i--)
        {
            int j = Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
        return list;
    }
}
