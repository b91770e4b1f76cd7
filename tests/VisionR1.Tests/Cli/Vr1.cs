using VisionR1.Trainer.Cli;

namespace VisionR1.Tests.Cli;

/// <summary>Runs a `vr1` command in this process and returns its exit code and what it printed.</summary>
internal static class Vr1
{
    public static async Task<(int Code, string Out, string Err)> Run(params string[] argv)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await CommandLine.RunAsync(argv, stdout, stderr, CancellationToken.None);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
