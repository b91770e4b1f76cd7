using Microsoft.Extensions.AI;
using VisionR1.Data.Synthetic;
using VisionR1.Grpo.Policies;
using VisionR1.Inputs;
using VisionR1.Model;
using VisionR1.Model.Config;
using VisionR1.Model.Generation;
using VisionR1.Runtime;
using VisionR1.Text;
using VisionR1.Trainer.Cli;
using static TorchSharp.torch;
using ChatTurn = VisionR1.Inputs.ChatTurn;

namespace VisionR1.Tests.Pipeline;

/// <summary>`vr1 generate` / `vr1 init-model` on the tiny preset (the chat client and policy are tested in Model/LocalModelChatClientTests).</summary>
public sealed class LocalModelTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-local-");

    public LocalModelTests() => VisionR1Runtime.Initialize("cpu");

    public void Dispose()
    {
        try { _dir.Delete(true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static byte[] WorldImage() =>
        new SyntheticWorldGenerator(new SyntheticWorldOptions { Seed = 1, ImageSize = 56 }).Generate(SyntheticSplit.Test, 1).Single().Images[0].Bytes!;

    [Fact]
    public async Task Init_model_writes_the_compact_tokenizer_and_generate_prints_a_completion_with_its_speed()
    {
        var folder = Path.Combine(_dir.FullName, "tiny");
        var stdout = new StringWriter();
        Assert.Equal(0, await CommandLine.RunAsync(["init-model", "--preset", "tiny", "--out", folder], stdout, stdout, CancellationToken.None));
        Assert.True(File.Exists(Path.Combine(folder, "tokenizer.json")), stdout.ToString());
        Assert.Equal(CompactTokenizerTrainer.TrainDefault().VocabularySize, TokenizerLoader.FromFolder(folder).VocabularySize);

        var png = Path.Combine(_dir.FullName, "image.png");
        await File.WriteAllBytesAsync(png, WorldImage());
        var output = new StringWriter();
        var errors = new StringWriter();
        int rc = await CommandLine.RunAsync(["generate", "--model", folder, "--image", png, "--prompt", "How many shapes?", "--max-new-tokens", "6", "--seed", "1", "--dtype", "fp32"], output, errors, CancellationToken.None);
        Assert.True(rc == 0, errors.ToString());
        Assert.Matches(@"(?m)^loaded 223,456 parameters \(Float32\) and a tokenizer of \d+ ids in [\d.]+ s$", errors.ToString());
        Assert.Matches(@"(?m)^\d+ tokens in [\d.]+ s \([\d.]+ tokens/s, prompt \d+ tokens", errors.ToString());
    }
}
