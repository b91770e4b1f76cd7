using System.Text;
using VisionR1.Trainer.Cli;

namespace VisionR1.Tests.Cli;

/// <summary>
/// Renders docs/cli.md, the CLI reference, from the commands' own definitions (name, summary, usage text), so the page
/// cannot drift from the CLI. <c>VR1_WRITE_CLI_DOCS=1 dotnet test --filter CliReference</c> rewrites the page.
/// </summary>
internal static class CliReferencePage
{
    /// <summary>The page's path inside the repository.</summary>
    public const string RelativePath = "docs/cli.md";

    /// <summary>The heading that introduces one command's section.</summary>
    public static string Heading(string command) => $"## vr1 {command}";

    /// <summary>The whole page, for the commands <see cref="CommandLine.Commands"/> finds.</summary>
    public static string Render()
    {
        var commands = CommandLine.Commands.Values.OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
        var page = new StringBuilder();
        page.Append("# CLI reference\n\n");
        page.Append("<!-- Generated from the commands' definitions (tests/VisionR1.Tests/Cli/CliReferencePage.cs); a test fails when\n");
        page.Append("     this page and the CLI differ. Rewrite it with: VR1_WRITE_CLI_DOCS=1 dotnet test --filter CliReference -->\n\n");
        page.Append("`vr1` is the sample trainer. Run it from a clone with\n");
        page.Append("`dotnet run -c Release --project samples/VisionR1.Trainer -- COMMAND [options]`, or as `vr1 COMMAND [options]` once\n");
        page.Append("installed as a dotnet tool ([getting started](getting-started.md)). `vr1 help` lists the commands and\n");
        page.Append($"`vr1 COMMAND --help` prints a command's usage. With no command, `vr1` runs `{CommandLine.DefaultCommand}`.\n\n");
        page.Append("Every command takes `--debug` (or the environment variable `VR1_DEBUG=1`) for full error messages and stack traces.\n");
        page.Append("Exit codes: 0 success, 1 failure, 2 a usage error (the usage is printed), 130 stopped by Ctrl-C (finished work is kept\n");
        page.Append("and the same command resumes it).\n\n");
        page.Append("| command | what it does |\n|---|---|\n");
        foreach (var c in commands)
            page.Append($"| [`vr1 {c.Name}`](#vr1-{c.Name}) | {c.Summary.Replace("|", "\\|", StringComparison.Ordinal)} |\n");
        foreach (var c in commands)
        {
            page.Append('\n').Append(Heading(c.Name)).Append("\n\n");
            page.Append(c.Summary).Append("\n\n");
            page.Append("```text\n").Append(c.Usage.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd()).Append("\n```\n");
        }
        return page.ToString();
    }

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
