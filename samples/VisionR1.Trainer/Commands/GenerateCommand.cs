using System.Globalization;
using Microsoft.Extensions.AI;
using VisionR1.Inputs;
using VisionR1.Model;
using VisionR1.Model.Generation;
using VisionR1.Runtime;
using VisionR1.Text;
using VisionR1.Trainer.Cli;

namespace VisionR1.Trainer.Commands;

/// <summary>`vr1 generate`: one completion from a local model folder for an image and a prompt, with its speed.</summary>
public sealed class GenerateCommand : ICliCommand, IHasSwitches
{
    /// <inheritdoc />
    public string Name => "generate";

    /// <inheritdoc />
    public string Summary => "Generate a completion from a local model folder for an image and a prompt (prints tokens/s).";

    /// <inheritdoc />
    public string Usage =>
        "vr1 generate --model DIR --prompt TEXT [--image PNG] [--max-new-tokens 256] [--temperature 0.6] [--top-p 0.95]\n" +
        "             [--seed S] [--device cpu|cuda] [--dtype auto|fp32|bf16] [--system]\n" +
        "  DIR is a Hugging Face Qwen2.5-VL folder with its tokenizer (e.g. a pipeline stage's model/ folder).\n" +
        "  Without --system no system prompt is added (as the pipeline trains). --temperature 0 decodes greedily.";

    /// <inheritdoc />
    public IReadOnlyList<string> Switches => ["bf16", "system"];

    /// <inheritdoc />
    public async Task<int> RunAsync(CliArgs args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var modelDir = args.Require("model");
        var prompt = args.Require("prompt");
        var image = args.Get("image");
        int maxNew = args.GetInt("max-new-tokens", 256);
        double temperature = args.GetDouble("temperature", 0.6);
        double topP = args.GetDouble("top-p", 0.95);
        var seedText = args.Get("seed");
        var device = args.Get("device") ?? "cpu";
        var precision = PrecisionOption.Read(args, "bf16");
        bool system = args.Flag("system");
        args.ThrowOnUnknown();

        if (!Directory.Exists(modelDir)) throw new CliUsageException($"--model: folder '{modelDir}' not found.");
        if (image is not null && !File.Exists(image)) throw new CliUsageException($"--image: file '{image}' not found.");
        if (maxNew < 1) throw new CliUsageException("--max-new-tokens must be at least 1.");
        long? seed = null;
        if (seedText is not null)
        {
            if (!long.TryParse(seedText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var s))
                throw new CliUsageException($"--seed expects an integer, got '{seedText}'.");
            seed = s;
        }
        var runtime = VisionR1Runtime.Initialize(device, precision: precision);
        var tokenizer = TokenizerLoader.FromFolder(modelDir);
        using var model = Qwen25VLModel.FromPretrained(modelDir, VisionR1Runtime.ParseDevice(device), runtime.Precision.Dtype);
        var template = new ChatTemplate(tokenizer, system ? ChatTemplateOptions.Qwen : ChatTemplateOptions.NoSystemPrompt);
        using var client = new LocalModelChatClient(model, template, defaults: new GenerationOptions { MaxNewTokens = maxNew, Temperature = temperature, TopP = topP, Seed = seed });
        var contents = new List<AIContent>();
        if (image is not null) contents.Add(new DataContent(await File.ReadAllBytesAsync(image, cancellationToken).ConfigureAwait(false), "image/png"));
        contents.Add(new TextContent(prompt));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, contents)], null, cancellationToken).ConfigureAwait(false);
        var seconds = clock.Elapsed.TotalSeconds;
        long generated = response.Usage?.OutputTokenCount ?? 0;
        stdout.WriteLine(response.Text);
        stderr.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{generated} tokens in {seconds:F2} s ({(seconds > 0 ? generated / seconds : 0):F1} tokens/s, prompt {response.Usage?.InputTokenCount ?? 0} tokens, finish {response.FinishReason})"));
        return 0;
    }
}
