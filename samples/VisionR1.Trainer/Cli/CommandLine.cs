using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using VisionR1.Runtime;

namespace VisionR1.Trainer.Cli;

/// <summary>
/// The `vr1` command tree on System.CommandLine: finds the commands, builds one <see cref="Command"/> per command from its declared
/// options, parses (with generated help and typo suggestions) and runs the command.
/// </summary>
public static class CommandLine
{
    /// <summary>The command run when none is named.</summary>
    public const string DefaultCommand = "pipeline";

    /// <summary>Every command in this assembly, by name.</summary>
    public static IReadOnlyDictionary<string, ICliCommand> Commands { get; } = Discover();

    /// <summary>`--debug`: full error messages and stack traces (also VR1_DEBUG=1); every command takes it.</summary>
    public static Option<bool> Debug { get; } = new("--debug") { Description = "Print full error messages and stack traces (as VR1_DEBUG=1 does).", Recursive = true };

    /// <summary>The parsed tree: `vr1` (which runs <see cref="DefaultCommand"/> with its options) and one sub-command per command.</summary>
    public static RootCommand Root { get; } = BuildRoot();

    private static Dictionary<string, ICliCommand> Discover() =>
        typeof(CommandLine).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(ICliCommand).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null)
            .Select(t => (ICliCommand)Activator.CreateInstance(t)!)
            .ToDictionary(c => c.Name, StringComparer.Ordinal);

    private static RootCommand BuildRoot()
    {
        // A RootCommand brings --help, --version and the [suggest] directive that dotnet-suggest's tab completion calls;
        // its name is the executable's (vr1 for the tool and for `dotnet vr1.dll`).
        var root = new RootCommand($"vr1 — the VisionR1 sample trainer. With no command, '{DefaultCommand}' runs (its options below); 'vr1 COMMAND --help' gives a command's options.");
        root.Options.Add(Debug);
        // The command list shows each command's summary; `vr1 COMMAND --help` adds the command's details below its options.
        var help = root.Options.OfType<HelpOption>().Single();
        var details = new Dictionary<Command, string>();
        help.Action = new HelpWithDetails((SynchronousCommandLineAction)help.Action!, details);
        foreach (var c in Commands.Values.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            var command = new Command(c.Name, c.Summary);
            if (!string.IsNullOrEmpty(c.Details)) details[command] = c.Details;
            foreach (var symbol in CliSymbols.Of(c))
            {
                if (symbol is Option o) command.Options.Add(o);
                else if (symbol is Argument a) command.Arguments.Add(a);
            }
            command.SetAction((parse, ct) => ExecuteAsync(c, parse, ct));
            root.Subcommands.Add(command);
            if (c.Name == DefaultCommand)
            {
                foreach (var o in command.Options) root.Options.Add(o);
                root.SetAction((parse, ct) => ExecuteAsync(c, parse, ct));
            }
        }
        return root;
    }

    /// <summary>Runs `vr1` with <paramref name="argv"/>; returns the exit code (0 ok, 1 failure, 2 usage, 130 cancelled).</summary>
    public static async Task<int> RunAsync(string[] argv, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(argv);
        if (argv is ["help" or "-h", .. var topic]) argv = [.. topic, "--help"];
        var parse = Root.Parse(argv);
        if (parse.Errors.Count > 0)
        {
            if (parse.CommandResult.Command == Root && argv.Length > 0 && !argv[0].StartsWith('-'))
                stderr.WriteLine($"vr1: unknown command '{argv[0]}'.");
            // System.CommandLine's report: the errors, "did you mean" for a mistyped command or option, and the command's help.
            if (parse.Action is ParseErrorAction report) report.ShowTypoCorrections = true;
            await parse.InvokeAsync(Configuration(stderr, stderr), cancellationToken).ConfigureAwait(false);
            return 2;
        }
        return await parse.InvokeAsync(Configuration(stdout, stderr), cancellationToken).ConfigureAwait(false);
    }

    // Ctrl-C stays with the caller (Program.cs): the first stops at a safe point through the token, the second kills.
    private static InvocationConfiguration Configuration(TextWriter output, TextWriter error) =>
        new() { Output = output, Error = error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };

    private static async Task<int> ExecuteAsync(ICliCommand command, ParseResult parse, CancellationToken cancellationToken)
    {
        var stdout = parse.InvocationConfiguration.Output;
        var stderr = parse.InvocationConfiguration.Error;
        string name = command.Name;
        bool debug = parse.GetValue(Debug) || Environment.GetEnvironmentVariable("VR1_DEBUG") == "1";
        try
        {
            return await command.RunAsync(parse, stdout, stderr, cancellationToken).ConfigureAwait(false);
        }
        catch (CliUsageException e)
        {
            stderr.WriteLine($"vr1 {name}: {e.Message}");
            await Root.Parse([name, "--help"]).InvokeAsync(Configuration(stderr, stderr), CancellationToken.None).ConfigureAwait(false);
            return 2;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            stderr.WriteLine($"vr1 {name}: cancelled; finished work is kept and a new run resumes it.");
            return 130;
        }
        catch (NativeRuntimeException e)
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

    /// <summary>`--help`: System.CommandLine's generated help of the parsed command, then the command's details.</summary>
    private sealed class HelpWithDetails(SynchronousCommandLineAction generated, IReadOnlyDictionary<Command, string> details) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            int code = generated.Invoke(parseResult);
            if (details.TryGetValue(parseResult.CommandResult.Command, out var text))
            {
                var output = parseResult.InvocationConfiguration.Output;
                output.WriteLine("Details:");
                foreach (var line in text.Split('\n')) output.WriteLine("  " + line);
                output.WriteLine();
            }
            return code;
        }
    }
}
