using System.CommandLine;
using System.Globalization;
using System.Text;
using VisionR1.Trainer.Cli;

namespace VisionR1.Tests.Cli;

/// <summary>
/// Renders docs/cli.md, the CLI reference, from the System.CommandLine tree the CLI parses with (each command's name, summary,
/// arguments, options with their value, default and help text, and details), so the page cannot drift from the CLI.
/// <c>VR1_WRITE_CLI_DOCS=1 dotnet test --filter CliReference</c> rewrites the page.
/// </summary>
internal static class CliReferencePage
{
    /// <summary>The page's path inside the repository.</summary>
    public const string RelativePath = "docs/cli.md";

    /// <summary>The heading that introduces one command's section.</summary>
    public static string Heading(string command) => $"## vr1 {command}";

    /// <summary>The whole page, for the commands of <see cref="CommandLine.Root"/>.</summary>
    public static string Render()
    {
        var commands = CommandLine.Root.Subcommands.OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
        var page = new StringBuilder();
        page.Append("# CLI reference\n\n");
        page.Append("<!-- Generated from the CLI's System.CommandLine tree (tests/VisionR1.Tests/Cli/CliReferencePage.cs); a test fails when\n");
        page.Append("     this page and the CLI differ. Rewrite it with: VR1_WRITE_CLI_DOCS=1 dotnet test --filter CliReference -->\n\n");
        page.Append("`vr1` is the sample trainer. Run it from a clone with\n");
        page.Append("`dotnet run -c Release --project samples/VisionR1.Trainer -- COMMAND [options]`, or as `vr1 COMMAND [options]` once\n");
        page.Append("installed as a dotnet tool ([getting started](getting-started.md)). `vr1 help` or `vr1 --help` lists the commands and\n");
        page.Append($"`vr1 COMMAND --help` prints a command's options. With no command, `vr1` runs `{CommandLine.DefaultCommand}` (and takes its options).\n");
        page.Append("A mistyped command or option is answered with the nearest ones; `@FILE` reads arguments from a response file.\n\n");
        page.Append($"Every command takes `{CommandLine.Debug.Name}` (or the environment variable `VR1_DEBUG=1`) for full error messages and stack traces.\n");
        page.Append("Exit codes: 0 success, 1 failure, 2 a usage error (the error and the command's help are printed), 130 stopped by Ctrl-C\n");
        page.Append("(finished work is kept and the same command resumes it).\n\n");
        page.Append("| command | what it does |\n|---|---|\n");
        foreach (var c in commands)
            page.Append($"| [`vr1 {c.Name}`](#vr1-{c.Name}) | {Cell(c.Description ?? "")} |\n");
        foreach (var c in commands)
        {
            page.Append('\n').Append(Heading(c.Name)).Append("\n\n");
            page.Append(c.Description).Append("\n\n");
            var usage = string.Join(' ', c.Arguments.Select(a => $"<{a.Name}>").Prepend($"vr1 {c.Name}")) + (c.Options.Count > 0 ? " [options]" : "");
            page.Append("```text\n").Append(usage).Append("\n```\n\n");
            foreach (var a in c.Arguments) page.Append($"`<{a.Name}>`: {a.Description}\n\n");
            page.Append("| option | value | default | description |\n|---|---|---|---|\n");
            foreach (var o in c.Options.Where(o => o.Name != CommandLine.Debug.Name))
            {
                var value = o.ValueType == typeof(bool) ? "" : $"`{o.HelpName ?? o.ValueType.Name}`";
                var names = string.Join(", ", o.Aliases.Prepend(o.Name).Select(n => $"`{n}`"));
                page.Append($"| {names} | {Cell(value)} | {Cell(Default(o))} | {Cell(o.Description ?? "")} |\n");
            }
            var details = CommandLine.Commands[c.Name].Details;
            if (!string.IsNullOrEmpty(details)) page.Append("\n```text\n").Append(details.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd()).Append("\n```\n");
        }
        return page.ToString();
    }

    private static string Default(Option option)
    {
        if (option.Required) return "required";
        if (!option.HasDefaultValue) return "";
        return option.GetDefaultValue() switch
        {
            null or "" or false => "",
            string[] { Length: 0 } => "",
            string text => $"`{text}`",
            IFormattable number => $"`{number.ToString(null, CultureInfo.InvariantCulture)}`",
            var other => $"`{other}`",
        };
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    /// <summary>The command names the page has a section for.</summary>
    public static IReadOnlyList<string> CommandsIn(string page) =>
        page.Split('\n').Where(l => l.StartsWith("## vr1 ", StringComparison.Ordinal)).Select(l => l["## vr1 ".Length..].Trim()).ToList();

    /// <summary>The repository root: the nearest folder above the test binaries that holds VisionR1.sln.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "VisionR1.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no folder above {AppContext.BaseDirectory} holds VisionR1.sln");
    }
}
