using System.CommandLine;
using VisionR1.Runtime;

namespace VisionR1.Trainer.Cli;

/// <summary>
/// The shared <c>--dtype auto|fp32|bf16</c> option of the commands that train or generate. <c>auto</c> (the default) lets
/// <see cref="VisionR1Runtime.Initialize"/> pick bf16 only where it measured bf16 faster on the device. <paramref name="legacySwitch"/>
/// ("fp32" or "bf16") is the command's older switch, still accepted as a synonym; giving both with different values is a usage error.
/// </summary>
public sealed class PrecisionOption(string? legacySwitch = null) : ICliOptionGroup
{
    private readonly Option<string> _dtype = Dtype();

    private readonly Option<bool>? _legacy = legacySwitch is null ? null : Opt.Switch("--" + legacySwitch, $"The same as --dtype {legacySwitch} (the older spelling).");

    /// <inheritdoc />
    public IEnumerable<Symbol> Symbols => _legacy is null ? [_dtype] : [_dtype, _legacy];

    private static Option<string> Dtype()
    {
        var option = Opt.Text("--dtype", "auto", "Training precision: auto trains in bf16 only where a timed product shows bf16 faster on this device.", "auto|fp32|bf16");
        option.Validators.Add(r =>
        {
            var text = r.GetValueOrDefault<string>();
            try
            {
                PrecisionChoice.ParsePolicy(text);
            }
            catch (ArgumentException)
            {
                r.AddError($"--dtype must be auto, fp32 or bf16, got '{text}'.");
            }
        });
        return option;
    }

    /// <summary>The precision asked for.</summary>
    public PrecisionPolicy Read(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        PrecisionPolicy? fromSwitch = _legacy is not null && parse.GetValue(_legacy) ? PrecisionChoice.ParsePolicy(legacySwitch!) : null;
        if (parse.GetResult(_dtype) is not { Implicit: false }) return fromSwitch ?? PrecisionPolicy.Auto;
        var text = parse.GetValue(_dtype)!;
        var policy = PrecisionChoice.ParsePolicy(text);
        if (fromSwitch is { } s && s != policy)
            throw new CliUsageException($"--{legacySwitch} contradicts --dtype {text}; give one of them.");
        return policy;
    }
}
