using Xunit.Abstractions;

namespace VisionR1.Tests.Parity;

/// <summary>
/// Publishes the parity figures: to the test's output (shown with failures and in detailed logs) and
/// to one file per test case under <c>artifacts/parity-report/</c> at the repository root, which
/// .ci/run prints after <c>dotnet test</c> (the console logger does not show a passing test's output).
/// </summary>
internal static class ParityReport
{
    /// <summary>The folder the report files go to.</summary>
    public static string? Folder { get; } = SharedParityData.RepositoryRoot is { } root ? Path.Combine(root, "artifacts", "parity-report") : null;

    /// <summary>Writes <paramref name="lines"/> for the case <paramref name="name"/> (also a file name: letters, digits, '-', '.', '_').</summary>
    public static void Write(ITestOutputHelper output, string name, IReadOnlyList<string> lines)
    {
        foreach (var line in lines)
        {
            output.WriteLine(line);
        }

        if (Folder is null)
        {
            return;
        }

        System.IO.Directory.CreateDirectory(Folder);
        var safe = new string(name.Select(c => char.IsLetterOrDigit(c) || c is '-' or '.' or '_' ? c : '_').ToArray());
        File.WriteAllLines(Path.Combine(Folder, safe + ".txt"), lines);
    }
}
