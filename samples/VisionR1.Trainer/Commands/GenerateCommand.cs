using System.CommandLine;
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
public sealed class GenerateCommand : ICliCommand
{
    private readonly Option<string> _model = Opt.Required("--model", "A Hugging Face Qwen2.5-VL or Qwen3-VL folder with its tokenizer (e.g. a pipeline stage's model/ folder).", "DIR");
    private readonly Option<string> _prompt = Opt.Required("--prompt", "The user turn.", "TEXT");
    private readonly Option<string?> _image = Opt.Text("--image", "An image placed before the prompt.", "PNG");
    private readonly Option<int> _maxNewTokens = Opt.Int("--max-new-tokens", 256, "Completion token limit.", "N");
    private readonly Option<double> _temperature = Opt.Number("--temperature", 0.6, "Sampling temperature; 0 decodes greedily.", "X");
    private readonly Option<double> _topP = Opt.Number("--top-p", 0.95, "Nucleus sampling threshold.", "X");
    private readonly Option<long?> _seed = Opt.OptionalLong("--seed", "Seed of the sampling [default: none].", "S");
    private readonly Option<string> _device = CommonOptions.Device("cpu|cuda");
    private readonly Option<bool> _system = Opt.Switch("--system", "Add the Qwen system prompt (without it none is added, as the pipeline trains).");
    private readonly PrecisionOption _precision = new("bf16");

    /// <inheritdoc />
    public string Name => "generate";

    /// <inheritdoc />
    public string Summary => "Generate a completion from a local model folder for an image and a prompt (prints tokens/s).";

    /// <inheritdoc />
    public async Task<int> RunAsync(ParseResult parse, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var modelDir = parse.GetValue(_model)!;
        var prompt = parse.GetValue(_prompt)!;
        var image = parse.GetValue(_image);
        int maxNew = parse.GetValue(_maxNewTokens);
        double temperature = parse.GetValue(_temperature);
        double topP = parse.GetValue(_topP);
        long? seed = parse.GetValue(_seed);
        var device = parse.GetValue(_device)!;
        var precision = _precision.Read(parse);
        bool system = parse.GetValue(_system);

        if (!Directory.Exists(modelDir)) throw new CliUsageException($"--model: folder '{modelDir}' not found.");
        if (image is not null && !File.Exists(image)) throw new CliUsageException($"--image: file '{image}' not found.");
        if (maxNew < 1) throw new CliUsageException("--max-new-tokens must be at least 1.");
        var runtime = VisionR1Runtime.Initialize(device, precision: precision);
        var loadClock = System.Diagnostics.Stopwatch.StartNew();
        var tokenizer = TokenizerLoader.FromFolder(modelDir);
        using var model = QwenVLModel.FromPretrained(modelDir, VisionR1Runtime.ParseDevice(device), runtime.Precision.Dtype);
        stderr.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"loaded {model.ParameterCount:N0} parameters ({runtime.Precision.Dtype}) and a tokenizer of {tokenizer.VocabularySize} ids in {loadClock.Elapsed.TotalSeconds:F2} s"));
        var template = new ChatTemplate(tokenizer, system ? ChatTemplateOptions.Qwen : ChatTemplateOptions.NoSystemPrompt);
        using var client = new LocalModelChatClient(model, template, QwenVLFamilies.ImageProcessorOf(modelDir), defaults: new GenerationOptions { MaxNewTokens = maxNew, Temperature = temperature, TopP = topP, Seed = seed });
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
