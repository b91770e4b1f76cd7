namespace VisionR1.Trainer.Cli;

/// <summary>
/// One `vr1` sub-command. Commands are discovered by reflection, so adding one is adding a
/// file: a public sealed class with a parameterless constructor implementing this interface.
/// </summary>
public interface ICliCommand
{
    /// <summary>The word that selects the command (`vr1 NAME ...`).</summary>
    string Name { get; }

    /// <summary>One line for the command list.</summary>
    string Summary { get; }

    /// <summary>The usage text printed by `vr1 NAME --help` and on argument errors.</summary>
    string Usage { get; }

    /// <summary>Runs the command; returns the process exit code.</summary>
    Task<int> RunAsync(CliArgs args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken);
}
