using System.Reflection;
using VisionR1.Runtime;

namespace VisionR1.Trainer.Cli;

/// <summary>Finds the `vr1` commands and dispatches a command line to one of them.</summary>
public static class CommandLine
{
    /// <summary>The command run when none is named.</summary>
    public const string DefaultCommand = "pipeline";

    /// <summary>Every command in this assembly, by name.</summary>
    public static IReadOnlyDictionary<string, ICliCommand> Commands { get; } = Discover();

    private static Dictionary<string, ICliCommand> Discover() =>
        typeof(CommandLine).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(ICliCommand).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null)
            .Select(t => (ICliCommand)Activator.CreateInstance(t)!)
            .ToDictionary(c => c.Name, StringComparer.Ordinal);

    /// <summary>Runs `vr1` with <paramref name="argv"/>; returns the exit code (0 ok, 1 failure, 2 usage).</summary>
    public static async Task<int> RunAsync(string[] argv, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        string name = argv.Length == 0 || argv[0].StartsWith("--", StringComparison.Ordinal) ? DefaultCommand : argv[0];
        var rest = argv.Length == 0 || argv[0].StartsWith("--", StringComparison.Ordinal) ? argv : argv[1..];
        if (name is "help" or "-h")
        {
            PrintHelp(stdout);
            return 0;
        }
        if (!Commands.TryGetValue(name, out var command))
        {
            stderr.WriteLine($"vr1: unknown command '{name}'.");
            PrintHelp(stderr);
            return 2;
        }
        var switches = command is IHasSwitches s ? s.Switches : [];
        var args = new CliArgs(rest, switches.Append("help").Append("debug"));
        bool debug = args.Flag("debug") || Environment.GetEnvironmentVariable("VR1_DEBUG") == "1";
        if (args.Flag("help"))
        {
            stdout.WriteLine(command.Usage);
            return 0;
        }
        try
        {
            return await command.RunAsync(args, stdout, stderr, cancellationToken).ConfigureAwait(false);
        }
        catch (CliUsageException e)
        {
            stderr.WriteLine($"vr1 {name}: {e.Message}");
            stderr.WriteLine(command.Usage);
            return 2;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            stderr.WriteLine($"vr1 {name}: cancelled; finished work is kept and a new run resumes it.");
            return 130;
        }
        catch (VisionR1.Runtime.NativeRuntimeException e)
        {
            stderr.WriteLine($"vr1 {name}: the tensor runtime did not load: {e.Message}");
            return 1;
        }
        catch (Exception e) when (!debug)
        {
            // libtorch's messages carry a native backtrace: only its first lines are shown, with the command's context.
            stderr.WriteLine($"vr1 {name}: {e.GetType().Name}: {NativeErrorText.Brief(VisionR1.Data.Chat.SecretRedactor.Redact(e.Message)!)}");
            stderr.WriteLine("(run with --debug or VR1_DEBUG=1 for the full message and the stack trace)");
            return 1;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("VR1_DEBUG") != "1")
        {
            stderr.WriteLine($"vr1 {name}: {e}");
            return 1;
        }
    }

    /// <summary>Prints the command list.</summary>
    public static void PrintHelp(TextWriter w)
    {
        w.WriteLine("vr1 — the VisionR1 sample trainer. Commands:");
        foreach (var c in Commands.Values.OrderBy(c => c.Name, StringComparer.Ordinal))
            w.WriteLine($"  {c.Name,-16} {c.Summary}");
        w.WriteLine($"Run 'vr1 COMMAND --help' for a command's options. With no command, '{DefaultCommand}' runs.");
    }
}

/// <summary>A command whose listed options are switches (they never take a value).</summary>
public interface IHasSwitches
{
    /// <summary>Option names that are switches.</summary>
    IReadOnlyList<string> Switches { get; }
}
