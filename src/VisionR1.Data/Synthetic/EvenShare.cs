namespace VisionR1.Data.Synthetic;

/// <summary>Picks a share of a sequence's items spread evenly over it, without randomness.</summary>
internal static class EvenShare
{
    /// <summary>
    /// Whether item <paramref name="index"/> is among the <paramref name="share"/> (0–1) picked: item i is picked when the running
    /// count floor((i + 1) · share) steps up at i, so any prefix of n items holds floor(n · share) picked ones.
    /// </summary>
    public static bool Includes(int index, double share) =>
        Math.Floor((index + 1) * share + 1e-9) > Math.Floor(index * share + 1e-9);
}
