namespace VisionR1.Grpo.Rollout;

/// <summary>Derives independent seeds from a run seed and counters (SplitMix64 finaliser), so sampling needs no saved RNG state.</summary>
public static class SeedMixer
{
    /// <summary>A well-mixed 63-bit seed from <paramref name="seed"/> and the <paramref name="counters"/> (e.g. step, round, chunk).</summary>
    public static long Mix(long seed, params ReadOnlySpan<long> counters)
    {
        ulong h = unchecked((ulong)seed);
        foreach (var c in counters)
        {
            h = Finalize(h ^ Finalize(unchecked((ulong)c + 0x9E3779B97F4A7C15UL)));
        }
        return (long)(Finalize(h) >> 1);
    }

    private static ulong Finalize(ulong z)
    {
        unchecked
        {
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
