using VisionR1.Runtime;

namespace VisionR1.Trainer.Cli;

/// <summary>
/// The shared <c>--dtype auto|fp32|bf16</c> option of the commands that train or generate. <c>auto</c> (the default) lets
/// <see cref="VisionR1Runtime.Initialize"/> pick bf16 only where it measured bf16 faster on the device.
/// </summary>
public static class PrecisionOption
{
    /// <summary>The option as usage lines show it.</summary>
    public const string Usage = "[--dtype auto|fp32|bf16]";

    /// <summary>
    /// Reads <c>--dtype</c>; <paramref name="legacySwitch"/> ("fp32" or "bf16") is the command's older switch, still accepted
    /// as a synonym. Giving both with different values is a usage error.
    /// </summary>
    public static PrecisionPolicy Read(CliArgs args, string? legacySwitch = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        var text = args.Get("dtype");
        PrecisionPolicy? fromSwitch = legacySwitch is not null && args.Flag(legacySwitch) ? PrecisionChoice.ParsePolicy(legacySwitch) : null;
        if (text is null) return fromSwitch ?? PrecisionPolicy.Auto;
        PrecisionPolicy policy;
        try
        {
            policy = PrecisionChoice.ParsePolicy(text);
        }
        catch (ArgumentException)
        {
            throw new CliUsageException($"--dtype must be auto, fp32 or bf16, got '{text}'.");
        }
        if (fromSwitch is { } s && s != policy)
            throw new CliUsageException($"--{legacySwitch} contradicts --dtype {text}; give one of them.");
        return policy;
    }
}
