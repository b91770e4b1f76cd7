using System.Globalization;
using System.Text;
using VisionR1.Answers;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace VisionR1.Tests.Answers.Conformance;

/// <summary>
/// Conformance with Math-Verify's own test suite: every comparable case is judged by the default
/// <see cref="MathVerifier"/> (the reward's) and compared with Math-Verify's verdict. The cases where the project
/// deliberately differs are listed with a reason in mathverify-deviations.tsv; the test fails when a case outside
/// that list disagrees (a regression or a new deviation to list), when a listed case starts agreeing (to be taken
/// off the list), or when agreement falls below 95% of the expected-equal or of the expected-unequal cases.
/// The per-file agreement is printed to the console (CI's <c>dotnet test</c> log) and to the test output.
/// </summary>
public sealed class MathVerifyConformanceTests(ITestOutputHelper output, MathVerifyConformanceTests.ConsoleSink console)
    : IClassFixture<MathVerifyConformanceTests.ConsoleSink>
{
    /// <summary>
    /// xunit's diagnostic message sink, which the VSTest adapter prints to the <c>dotnet test</c> console (with
    /// <c>diagnosticMessages</c> on in xunit.runner.json) whether or not the test passes; a test's own output and
    /// its standard streams are shown only for failures or at detailed verbosity.
    /// </summary>
    public sealed class ConsoleSink(IMessageSink sink)
    {
        /// <summary>Prints <paramref name="text"/>, one diagnostic message per line.</summary>
        public void WriteLine(string text)
        {
            foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                sink.OnMessage(new DiagnosticMessage(line.TrimEnd('\r')));
        }
    }

    private const double Bar = 0.95;

    [MathVerifyCasesFact]
    public void Math_Verify_suite_agreement_holds_and_only_listed_cases_differ()
    {
        var path = MathVerifyCases.CasesPath;
        Assert.True(File.Exists(path), $"Math-Verify's cases are missing: expected at {path}");
        var cases = MathVerifyCases.Load(path);
        var deviations = MathVerifyCases.LoadDeviations(MathVerifyCases.DeviationsPath);
        Assert.True(cases.Count >= 276, $"{path}: {cases.Count} comparable cases, expected 276");

        var verifier = new MathVerifier();
        var disagreeing = new List<(MathVerifyCase Case, VerificationResult Result)>();
        var perFile = new SortedDictionary<string, int[]>(StringComparer.Ordinal);
        foreach (var c in cases)
        {
            var r = verifier.Verify(c.Gold, c.Prediction);
            bool agrees = r.Equal == c.Expected;
            if (!perFile.TryGetValue(c.File, out var counts)) perFile[c.File] = counts = new int[4];
            int k = c.Expected ? 0 : 2;
            counts[k + 1]++;
            if (agrees) counts[k]++;
            else disagreeing.Add((c, r));
        }

        int eqAgree = perFile.Values.Sum(v => v[0]), eqTotal = perFile.Values.Sum(v => v[1]);
        int neAgree = perFile.Values.Sum(v => v[2]), neTotal = perFile.Values.Sum(v => v[3]);
        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"Math-Verify conformance ({cases.Count} cases, {deviations.Count} listed deviations):");
        foreach (var (file, v) in perFile)
            report.AppendLine(CultureInfo.InvariantCulture, $"  {file,-28} expected-equal {v[0],3}/{v[1],-3}  expected-unequal {v[2],3}/{v[3],-3}");
        report.AppendLine(CultureInfo.InvariantCulture,
            $"  {"all",-28} expected-equal {eqAgree,3}/{eqTotal,-3} ({100.0 * eqAgree / eqTotal:F1}%)  expected-unequal {neAgree,3}/{neTotal,-3} ({100.0 * neAgree / neTotal:F1}%)");
        var unlisted = disagreeing.Where(d => !deviations.ContainsKey(d.Case.Id)).ToList();
        var fixedNow = deviations.Keys.Where(id => cases.Any(c => c.Id == id) && disagreeing.All(d => d.Case.Id != id)).ToList();
        var unknown = deviations.Keys.Where(id => cases.All(c => c.Id != id)).ToList();
        foreach (var (c, r) in unlisted)
            report.AppendLine(CultureInfo.InvariantCulture, $"  NOT LISTED {c.Id}: expected {c.Expected}, got {r.Equal} (extracted '{Short(r.Extracted)}', {r.Reason})");
        foreach (var id in fixedNow) report.AppendLine(CultureInfo.InvariantCulture, $"  NOW AGREES (take it off the list) {id}");
        foreach (var id in unknown) report.AppendLine(CultureInfo.InvariantCulture, $"  LISTED BUT NOT A CASE {id}");
        Publish(report.ToString());

        Assert.True(eqAgree >= Bar * eqTotal, $"expected-equal agreement {eqAgree}/{eqTotal} is below 95%\n{report}");
        Assert.True(neAgree >= Bar * neTotal, $"expected-unequal agreement {neAgree}/{neTotal} is below 95%\n{report}");
        Assert.True(unlisted.Count == 0 && fixedNow.Count == 0 && unknown.Count == 0, report.ToString());
    }

    [Fact]
    public void Deviation_list_gives_a_reason_for_every_case()
    {
        var list = MathVerifyCases.LoadDeviations(MathVerifyCases.DeviationsPath);
        Assert.NotEmpty(list);
        Assert.All(list, kv => Assert.True(kv.Value.Length >= 20, $"{kv.Key}: the reason '{kv.Value}' is too short to explain the deviation"));
    }

    [Fact]
    public void Cases_missing_outside_CI_skip_with_the_expected_path()
    {
        var attribute = new MathVerifyCasesFactAttribute();
        if (File.Exists(MathVerifyCases.CasesPath) || MathVerifyCases.InCi) Assert.Null(attribute.Skip);
        else Assert.Contains(MathVerifyCases.CasesPath, attribute.Skip, StringComparison.Ordinal);
    }

    private void Publish(string text)
    {
        output.WriteLine(text);
        console.WriteLine(text);
    }

    private static string Short(string s) => s.Length <= 80 ? s.Replace('\n', ' ') : s[..80].Replace('\n', ' ') + "…";
}
