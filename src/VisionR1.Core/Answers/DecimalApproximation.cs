namespace VisionR1.Answers;

/// <summary>
/// The one rule for when a decimal written in an answer is "the same" as an exact value (a fraction,
/// a radical, a multiple of π, …): the decimal must be that value rounded to the decimal's own number
/// of places, that is <c>|d − v| ≤ ½·10^(−places)</c>, and it must carry at least
/// <see cref="MinSignificantDigits"/> significant digits. So 0.3333, 0.33 and 0.333 all stand for 1/3,
/// 3.14 and 3.1416 for π, 2.6667 for 8/3, while 0.3 (one significant digit) and 0.34 do not stand for 1/3.
/// Two decimals are compared with the verifier's decimal tolerance instead
/// (<see cref="MathVerifierOptions.DecimalAbsoluteTolerance"/>), and a question that states its own precision
/// (MathVista's <c>precision</c>) is judged by that precision. <see cref="MathVerifier"/> applies this rule
/// everywhere a number is compared (plain numbers, inside tuples, intervals and matrices), so the reward and
/// every scorer that judges through an <see cref="IAnswerVerifier"/> share it.
/// </summary>
public static class DecimalApproximation
{
    /// <summary>The fewest significant digits a decimal needs to stand for an exact value (2: 0.33 for 1/3, not 0.3).</summary>
    public const int MinSignificantDigits = 2;

    /// <summary>
    /// Whether <paramref name="written"/>, a decimal written with <paramref name="places"/> digits after its
    /// point, is <paramref name="exact"/> rounded to that many places (half a unit of its last digit, with a
    /// little slack for binary rounding) and has at least <see cref="MinSignificantDigits"/> significant digits.
    /// </summary>
    public static bool IsRoundingOf(double written, int places, double exact)
    {
        if (places < 1 || places > 15 || !double.IsFinite(written) || !double.IsFinite(exact) || written == 0) return false;
        if (SignificantDigits(written, places) < MinSignificantDigits) return false;
        double half = 0.5 * System.Math.Pow(10, -places);
        double slack = 1e-12 * System.Math.Max(1, System.Math.Abs(exact));
        return System.Math.Abs(written - exact) <= half + slack;
    }

    /// <summary>The significant digits of a nonzero decimal written with <paramref name="places"/> digits after its point.</summary>
    public static int SignificantDigits(double written, int places)
    {
        if (written == 0 || !double.IsFinite(written)) return 0;
        int magnitude = (int)System.Math.Floor(System.Math.Log10(System.Math.Abs(written)));
        return places + magnitude + 1;
    }
}
