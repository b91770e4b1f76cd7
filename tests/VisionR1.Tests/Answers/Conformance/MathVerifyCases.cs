using System.Text.Json;

namespace VisionR1.Tests.Answers.Conformance;

/// <summary>One comparable case of Math-Verify's public test suite (../shared/answers/mathverify-cases.jsonl).</summary>
/// <param name="Id"><c>file:test function:n</c>.</param>
/// <param name="File">The test file it comes from.</param>
/// <param name="Gold">The gold answer.</param>
/// <param name="Prediction">The prediction.</param>
/// <param name="Expected">Whether Math-Verify judges the pair equal.</param>
public sealed record MathVerifyCase(string Id, string File, string Gold, string Prediction, bool Expected);

/// <summary>Where the shared conformance data and the deviation list live, and how they are read.</summary>
public static class MathVerifyCases
{
    /// <summary>The repository root: the nearest folder above the test binaries that holds VisionR1.sln.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (System.IO.File.Exists(Path.Combine(dir.FullName, "VisionR1.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no folder above {AppContext.BaseDirectory} holds VisionR1.sln");
    }

    /// <summary>The cases file, <c>../shared/answers/mathverify-cases.jsonl</c> beside the repository root.</summary>
    public static string CasesPath => Path.GetFullPath(Path.Combine(RepositoryRoot(), "..", "shared", "answers", "mathverify-cases.jsonl"));

    /// <summary>The project's list of deliberate deviations (id, tab, reason), kept next to the test.</summary>
    public static string DeviationsPath => Path.Combine(RepositoryRoot(), "tests", "VisionR1.Tests", "Answers", "Conformance", "mathverify-deviations.tsv");

    /// <summary>Whether the run is CI's (env CI=true), where missing data fails instead of skipping.</summary>
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The comparable cases (those with a gold answer); a malformed line throws naming file:line.</summary>
    public static IReadOnlyList<MathVerifyCase> Load(string path)
    {
        var cases = new List<MathVerifyCase>();
        int line = 0;
        foreach (var text in System.IO.File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            try
            {
                using var doc = JsonDocument.Parse(text);
                var e = doc.RootElement;
                if (!e.TryGetProperty("gold", out var gold) || gold.ValueKind != JsonValueKind.String) continue;
                cases.Add(new MathVerifyCase(
                    e.GetProperty("id").GetString()!,
                    e.GetProperty("file").GetString()!,
                    gold.GetString()!,
                    e.GetProperty("prediction").GetString()!,
                    e.GetProperty("expected").GetBoolean()));
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new InvalidDataException($"{path}:{line}: {ex.Message}", ex);
            }
        }
        return cases;
    }

    /// <summary>The deviation list: id → reason; a line without a reason throws naming file:line.</summary>
    public static IReadOnlyDictionary<string, string> LoadDeviations(string path)
    {
        var list = new Dictionary<string, string>(StringComparer.Ordinal);
        int line = 0;
        foreach (var text in System.IO.File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text) || text.StartsWith('#')) continue;
            var parts = text.Split('\t', 2);
            if (parts.Length != 2 || parts[1].Trim().Length == 0) throw new InvalidDataException($"{path}:{line}: expected 'id<TAB>reason'");
            if (!list.TryAdd(parts[0].Trim(), parts[1].Trim())) throw new InvalidDataException($"{path}:{line}: '{parts[0]}' listed twice");
        }
        return list;
    }
}

/// <summary>
/// A fact that needs <see cref="MathVerifyCases.CasesPath"/>: skipped (saying where the file is expected) when it
/// is missing outside CI; in CI (env CI=true) it runs and fails on the missing file.
/// </summary>
public sealed class MathVerifyCasesFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the cases file is missing outside CI.</summary>
    public MathVerifyCasesFactAttribute()
    {
        string path;
        try { path = MathVerifyCases.CasesPath; }
        catch (InvalidOperationException e) { path = e.Message; }
        if (!System.IO.File.Exists(path) && !MathVerifyCases.InCi)
            Skip = $"Math-Verify's cases are expected at {path} (../shared/answers/mathverify-cases.jsonl beside the repository root); in CI a missing file fails.";
    }
}
