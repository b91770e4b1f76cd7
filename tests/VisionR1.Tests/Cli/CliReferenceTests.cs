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
        var (notInCli, notInPage) = Mismatch(File.ReadAllText(PagePath));
        Assert.True(notInCli.Count == 0, $"{CliReferencePage.RelativePath} documents commands the CLI does not have: {string.Join(", ", notInCli)}");
        Assert.True(notInPage.Count == 0, $"{CliReferencePage.RelativePath} misses commands: {string.Join(", ", notInPage)}");
    }

    [Fact]
    public void A_page_with_a_renamed_section_is_caught_both_ways()
    {
        var page = CliReferencePage.Render().Replace(CliReferencePage.Heading("grpo") + "\n", CliReferencePage.Heading("grpoo") + "\n", StringComparison.Ordinal);
        var (notInCli, notInPage) = Mismatch(page);
        Assert.Equal(["grpoo"], notInCli);
        Assert.Equal(["grpo"], notInPage);
    }

    [Fact]
    public void Page_renders_a_section_with_every_option_of_each_command()
    {
        string page = CliReferencePage.Render();
        Assert.Equal(CommandLine.Commands.Keys.Order(StringComparer.Ordinal), CliReferencePage.CommandsIn(page));
        foreach (var command in CommandLine.Root.Subcommands)
        {
            int start = page.IndexOf(CliReferencePage.Heading(command.Name) + "\n", StringComparison.Ordinal);
            Assert.True(start >= 0, command.Name);
            int end = page.IndexOf("\n## vr1 ", start + 1, StringComparison.Ordinal);
            var section = end < 0 ? page[start..] : page[start..end];
            Assert.Contains(command.Description!, section, StringComparison.Ordinal);
            foreach (var option in command.Options.Where(o => o.Name != CommandLine.Debug.Name))
                Assert.Contains($"| `{option.Name}`", section, StringComparison.Ordinal);
        }
        Assert.Contains("| `--epochs` | `N` | `2` |", page, StringComparison.Ordinal);
        Assert.Contains("| `--model` | `DIR` | required |", page, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_command_and_option_has_help_text_and_a_value_name()
    {
        foreach (var command in CommandLine.Root.Subcommands)
        {
            Assert.False(string.IsNullOrWhiteSpace(command.Description), command.Name);
            foreach (var option in command.Options.Where(o => o is not System.CommandLine.Help.HelpOption))
            {
                Assert.False(string.IsNullOrWhiteSpace(option.Description), $"vr1 {command.Name} {option.Name}");
                Assert.True(option.ValueType == typeof(bool) || !string.IsNullOrEmpty(option.HelpName), $"vr1 {command.Name} {option.Name} has no value name");
            }
        }
    }

    private static (List<string> NotInCli, List<string> NotInPage) Mismatch(string page)
    {
        var inPage = CliReferencePage.CommandsIn(page);
        Assert.NotEmpty(inPage);
        Assert.Equal(inPage.Count, inPage.Distinct(StringComparer.Ordinal).Count());
        var inCli = CommandLine.Root.Subcommands.Select(c => c.Name).ToList();
        return (inPage.Where(name => !inCli.Contains(name, StringComparer.Ordinal)).ToList(),
                inCli.Where(name => !inPage.Contains(name, StringComparer.Ordinal)).ToList());
    }
}
