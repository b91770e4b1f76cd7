using System.CommandLine;
using System.Reflection;

namespace VisionR1.Trainer.Cli;

/// <summary>
/// One `vr1` sub-command. Commands are discovered by reflection, so adding one is adding a file: a public sealed class with a
/// parameterless constructor implementing this interface. Its options are its instance fields of type <see cref="Option"/>,
/// <see cref="Argument"/> or <see cref="ICliOptionGroup"/>, in declaration order: each declared once, with its type, default,
/// help text and validation, and read in <see cref="RunAsync"/> through <see cref="ParseResult.GetValue{T}(Option{T})"/>.
/// </summary>
public interface ICliCommand
{
    /// <summary>The word that selects the command (`vr1 NAME ...`).</summary>
    string Name { get; }

    /// <summary>One line for the command list.</summary>
    string Summary { get; }

    /// <summary>What `vr1 NAME --help` adds below the summary: file formats, what is written, how options combine (empty for none).</summary>
    string Details => "";

    /// <summary>Runs the command on a command line that parsed without errors; returns the process exit code.</summary>
    Task<int> RunAsync(ParseResult parse, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken);
}

/// <summary>Options several commands share (a LoRA adapter, a rollout engine, an endpoint): a command holds the group as a field.</summary>
public interface ICliOptionGroup
{
    /// <summary>The group's options, in the order help lists them.</summary>
    IEnumerable<Symbol> Symbols { get; }
}

/// <summary>Finds the options and arguments an object declares as fields.</summary>
public static class CliSymbols
{
    /// <summary>The <see cref="Option"/>, <see cref="Argument"/> and <see cref="ICliOptionGroup"/> fields of <paramref name="owner"/>, flattened, in declaration order.</summary>
    public static IEnumerable<Symbol> Of(object owner)
    {
        ArgumentNullException.ThrowIfNull(owner);
        foreach (var field in owner.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).OrderBy(f => f.MetadataToken))
        {
            switch (field.GetValue(owner))
            {
                case Symbol symbol:
                    yield return symbol;
                    break;
                case ICliOptionGroup group:
                    foreach (var s in group.Symbols) yield return s;
                    break;
            }
        }
    }
}
