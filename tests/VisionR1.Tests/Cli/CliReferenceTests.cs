using VisionR1.Trainer.Cli;

namespace VisionR1.Tests.Cli;

public sealed class CliReferenceTests
{
    private static string PagePath => Path.Combine(CliReferencePage.RepositoryRoot(), CliReferencePage.RelativePath);

    [Fact]
    public void Cli_reference_page_is_what_the_commands_produce()
    {
        string expected = CliReferencePage.Render();
        if (Environment.GetEnvironmentVariable("VR1_WRITE_CLI_DOCS") == "1") File.WriteAllText(PagePath, expected);
        string actual = File.ReadAllText(PagePath).Replace("\r\n", "\n", StringComparison.Ordinal);
        Assert.True(actual == expected,
            $"{CliReferencePage.RelativePath} differs from the CLI's command definitions; rewrite it with: VR1_WRITE_CLI_DOCS=1 dotnet test --filter CliReference");
    }

    [Fact]
    public void Every_command_in_the_page_exists_and_every_command_is_in_the_page()
    {
        var inPage = CliReferencePage.CommandsIn(File.ReadAllText(PagePath));
        Assert.NotEmpty(inPage);
        Assert.Equal(inPage.Count, inPage.Distinct(StringComparer.Ordinal).Count());
        var notInCli = inPage.Where(name => !CommandLine.Commands.ContainsKey(name)).ToList();
        var notInPage = CommandLine.Commands.Keys.Where(name => !inPage.Contains(name, StringComparer.Ordinal)).ToList();
        Assert.True(notInCli.Count == 0, $"{CliReferencePage.RelativePath} documents commands the CLI does not have: {string.Join(", ", notInCli)}");
        Assert.True(notInPage.Count == 0, $"{CliReferencePage.RelativePath} misses commands: {string.Join(", ", notInPage)}");
    }

    [Fact]
    public void Page_renders_a_section_with_the_usage_of_each_command()
    {
        string page = CliReferencePage.Render();
        foreach (var command in CommandLine.Commands.Values)
        {
            Assert.Contains(CliReferencePage.Heading(command.Name) + "\n", page, StringComparison.Ordinal);
            Assert.Contains(command.Usage.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd(), page, StringComparison.Ordinal);
        }
        Assert.Equal(CommandLine.Commands.Keys.Order(StringComparer.Ordinal), CliReferencePage.CommandsIn(page));
    }
}
