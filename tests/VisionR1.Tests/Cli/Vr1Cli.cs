using VisionR1.Trainer.Cli;

namespace VisionR1.Tests.Cli;

/// <summary>Runs a `vr1` command line in process, as the CLI tests do, and returns its exit code and what it wrote.</summary>
internal static class Vr1Cli
{
    /// <summary>`vr1 argv…` with its standard output and error captured.</summary>
    public static async Task<(int Code, string Out, string Err)> Run(params string[] argv)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await CommandLine.RunAsync(argv, stdout, stderr, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
