namespace VisionR1.Runtime;

/// <summary>How the floating-point type of weights and activations is chosen (see <see cref="PrecisionChoice"/>).</summary>
public enum PrecisionPolicy
{
    /// <summary>bf16 where a timed product shows it measurably faster than fp32 on the device, fp32 elsewhere.</summary>
    Auto,

    /// <summary>Always fp32.</summary>
    Fp32,

    /// <summary>Always bf16 (an error where bf16 products do not run at all; a warning in the reason where they are slow).</summary>
    Bf16,
}
