using System.Globalization;
using static TorchSharp.torch;

namespace VisionR1.Runtime;

/// <summary>
/// The precision a run uses and why: the policy asked for, both measured matrix-product rates on the device, the CPU's
/// bf16-related features, and the rule's verdict in words. <see cref="VisionR1Runtime.Initialize"/> resolves it once.
/// </summary>
/// <param name="Policy">The policy asked for.</param>
/// <param name="Dtype">The resolved type: <see cref="ScalarType.Float32"/> or <see cref="ScalarType.BFloat16"/>.</param>
/// <param name="Fp32Gflops">Measured fp32 rate of the probe product, GFLOP/s.</param>
/// <param name="Bf16Gflops">Measured bf16 rate of the probe product, GFLOP/s; null where bf16 products do not run.</param>
/// <param name="CpuFeatures">The CPU's bf16-related feature flags (e.g. "avx2 avx512f avx512_bf16"), or "" where unknown or not a CPU run.</param>
/// <param name="Reason">Why <paramref name="Dtype"/> was chosen, with the numbers.</param>
public sealed record PrecisionChoice(PrecisionPolicy Policy, ScalarType Dtype, double Fp32Gflops, double? Bf16Gflops, string CpuFeatures, string Reason)
{
    /// <summary>bf16 must be at least this many times faster than fp32 in the probe for <see cref="PrecisionPolicy.Auto"/> to choose it
    /// (a bf16 step also converts activations and keeps fp32 optimizer masters, so a bare tie is a loss).</summary>
    public const double AutoBf16Advantage = 1.5;

    /// <summary>Whether the resolved type is bf16.</summary>
    public bool IsBf16 => Dtype == ScalarType.BFloat16;

    /// <summary>"fp32" or "bf16".</summary>
    public string DtypeName => IsBf16 ? "bf16" : "fp32";

    /// <summary>
    /// Applies <paramref name="policy"/> to measured rates (the pure rule behind <see cref="VisionR1Runtime.Initialize"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">bf16 was asked for but bf16 products do not run here (<paramref name="bf16Gflops"/> null).</exception>
    public static PrecisionChoice Decide(PrecisionPolicy policy, double fp32Gflops, double? bf16Gflops, string cpuFeatures = "")
    {
        string rates = bf16Gflops is { } b
            ? string.Create(CultureInfo.InvariantCulture, $"bf16 {b:F1} GFLOP/s vs fp32 {fp32Gflops:F1} GFLOP/s ({b / fp32Gflops:F2}x)")
            : string.Create(CultureInfo.InvariantCulture, $"bf16 products do not run here; fp32 {fp32Gflops:F1} GFLOP/s");
        string flags = FlagsNote(cpuFeatures, bf16Gflops, fp32Gflops);
        switch (policy)
        {
            case PrecisionPolicy.Fp32:
                return new(policy, ScalarType.Float32, fp32Gflops, bf16Gflops, cpuFeatures, $"fp32 as asked ({rates})");
            case PrecisionPolicy.Bf16:
                if (bf16Gflops is null)
                    throw new InvalidOperationException($"bf16 was asked for, but {rates}. Use fp32 or auto.");
                string slow = bf16Gflops < fp32Gflops ? "; bf16 is SLOWER than fp32 on this device, auto would choose fp32" : "";
                return new(policy, ScalarType.BFloat16, fp32Gflops, bf16Gflops, cpuFeatures, $"bf16 as asked ({rates}{slow})");
            case PrecisionPolicy.Auto:
                bool faster = bf16Gflops is { } r && r >= AutoBf16Advantage * fp32Gflops;
                string rule = string.Create(CultureInfo.InvariantCulture, $"auto picks bf16 only at >= {AutoBf16Advantage:F1}x fp32's rate");
                return new(policy, faster ? ScalarType.BFloat16 : ScalarType.Float32, fp32Gflops, bf16Gflops, cpuFeatures,
                    $"auto: {rates}; {rule}{flags}");
            default:
                throw new ArgumentOutOfRangeException(nameof(policy), policy, "Unknown precision policy.");
        }
    }

    /// <summary>Parses "auto", "fp32" (or "f32", "float32") and "bf16" (or "bfloat16"), case-insensitive.</summary>
    /// <exception cref="ArgumentException">The text is none of these.</exception>
    public static PrecisionPolicy ParsePolicy(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Trim().ToLowerInvariant() switch
        {
            "auto" => PrecisionPolicy.Auto,
            "fp32" or "f32" or "float32" => PrecisionPolicy.Fp32,
            "bf16" or "bfloat16" => PrecisionPolicy.Bf16,
            _ => throw new ArgumentException($"Unknown precision '{text}': use auto, fp32 or bf16.", nameof(text)),
        };
    }

    /// <summary>One line for logs: the type and both rates.</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture,
            $"{DtypeName} (policy {Policy.ToString().ToLowerInvariant()}; measured fp32 {Fp32Gflops:F1} GFLOP/s, bf16 {(Bf16Gflops is { } b ? b.ToString("F1", CultureInfo.InvariantCulture) + " GFLOP/s" : "does not run")})");

    private static string FlagsNote(string cpuFeatures, double? bf16Gflops, double fp32Gflops)
    {
        if (string.IsNullOrEmpty(cpuFeatures)) return "";
        bool hasBf16Hardware = cpuFeatures.Contains("bf16", StringComparison.Ordinal);
        bool bf16Slow = bf16Gflops is not { } b || b < AutoBf16Advantage * fp32Gflops;
        if (hasBf16Hardware && bf16Slow)
            return $" (the CPU lists {cpuFeatures}, but libtorch's kernels do not use them here, e.g. ATEN_CPU_CAPABILITY or ONEDNN_MAX_CPU_ISA caps them)";
        if (!hasBf16Hardware && bf16Slow)
            return $" (the CPU has no bf16 instructions: {cpuFeatures})";
        return $" (CPU: {cpuFeatures})";
    }
}
