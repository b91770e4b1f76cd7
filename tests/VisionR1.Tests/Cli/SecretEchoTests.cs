using VisionR1.Tests.Data;

namespace VisionR1.Tests.Cli;

/// <summary>`vr1 eval` and `vr1 build-cold` against a server that echoes the Authorization header in its 401: the key never reaches the output.</summary>
public sealed class SecretEchoTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-secret-");

    public void Dispose() => _dir.Delete(true);

    [Theory]
    [InlineData("eval")]
    [InlineData("build-cold")]
    public async Task The_key_an_endpoint_echoes_is_redacted_from_everything_printed(string command)
    {
        var variable = "VR1_TEST_KEY_" + Guid.NewGuid().ToString("N")[..8];
        const string key = "sk-cli-ABCDEFGHIJ0123456789zz";
        Environment.SetEnvironmentVariable(variable, key);
        try
        {
            await using var server = new FakeChatServer((_, _, _) => "unused") { RejectEchoingAuthorization = true };
            var input = Path.Combine(_dir.FullName, "problems.jsonl");
            File.WriteAllLines(input, Enumerable.Range(1, 3).Select(i => $$"""{"id": "Item-{{i:D3}}", "question": "What is {{i}}+1?", "answer": "{{i + 1}}"}"""));
            string[] argv = command == "eval"
                ? ["eval", "--input", input, "--predictions", Path.Combine(_dir.FullName, "p.jsonl"), "--endpoint", server.BaseUrl, "--model", "m", "--api-key-env", variable, "--retries", "1"]
                : ["build-cold", "--input", input, "--output", Path.Combine(_dir.FullName, "cold.jsonl"), "--endpoint", server.BaseUrl, "--model", "m", "--api-key-env", variable, "--retries", "1"];
            var (code, stdout, stderr) = await Vr1.Run(argv);
            var all = stdout + "\n" + stderr;
            Assert.NotEqual(0, code);
            Assert.Contains("Incorrect API key provided", all, StringComparison.Ordinal);
            Assert.DoesNotContain(key, all, StringComparison.Ordinal);
            Assert.DoesNotContain("sk-cli", all, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }
}
