using System.Text.Json;
using VisionR1.Text;
using static TorchSharp.torch;

namespace VisionR1.Inputs;

/// <summary>
/// Everything that turns conversations into model inputs and ids back into text, in one object (as transformers'
/// <c>AutoProcessor</c>): the tokenizer, the chat template, and the image processor behind an <see cref="ImageLoader"/>
/// that decodes referenced images when a batch is built. <see cref="FromPretrained"/> reads a Hugging Face folder.
/// </summary>
/// <example>
/// <code>
/// var processor = Qwen25VLProcessor.FromPretrained("Qwen2.5-VL-7B-Instruct");
/// using var model = Qwen25VLModel.FromPretrained("Qwen2.5-VL-7B-Instruct");
/// using var batch = processor.Encode([[ChatTurn.User(new ImageRefPart(ImageRef.File("chart.png")), new TextPart("What is the largest bar?"))]], model.Device);
/// </code>
/// </example>
public sealed class Qwen25VLProcessor
{
    /// <summary>A processor over <paramref name="tokenizer"/> with the template <paramref name="templateOptions"/> (Qwen's default system prompt when null) and <paramref name="images"/> (no cache when null).</summary>
    public Qwen25VLProcessor(ITextTokenizer tokenizer, ChatTemplateOptions? templateOptions = null, ImageLoader? images = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        Template = new ChatTemplate(tokenizer, templateOptions);
        Images = images ?? new ImageLoader();
    }

    /// <summary>The tokenizer.</summary>
    public ITextTokenizer Tokenizer => Template.Tokenizer;

    /// <summary>The chat template.</summary>
    public ChatTemplate Template { get; }

    /// <summary>Loads and processes images (with its cache, if any).</summary>
    public ImageLoader Images { get; }

    /// <summary>The image processor.</summary>
    public ImageProcessor ImageProcessor => Images.Processor;

    /// <summary>
    /// The processor of a Hugging Face folder: its tokenizer files and, when present, the pixel limits of its
    /// <c>preprocessor_config.json</c> (<c>min_pixels</c>, <c>max_pixels</c>). <paramref name="imageCacheBytes"/> bounds the image cache.
    /// </summary>
    /// <exception cref="InvalidDataException">preprocessor_config.json is not valid JSON or has a non-integer pixel limit (the file is named).</exception>
    public static Qwen25VLProcessor FromPretrained(string directory, ChatTemplateOptions? templateOptions = null, long imageCacheBytes = 0)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var tokenizer = TokenizerLoader.FromFolder(directory);
        var imageOptions = new ImageProcessorOptions();
        var config = Path.Combine(directory, "preprocessor_config.json");
        if (File.Exists(config))
        {
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(config));
                var root = doc.RootElement;
                if (root.TryGetProperty("min_pixels", out var min)) imageOptions = imageOptions with { MinPixels = min.GetInt32() };
                if (root.TryGetProperty("max_pixels", out var max)) imageOptions = imageOptions with { MaxPixels = max.GetInt32() };
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
            {
                throw new InvalidDataException($"{config}: {e.Message}", e);
            }
        }
        return new Qwen25VLProcessor(tokenizer, templateOptions, new ImageLoader(new ImageProcessor(imageOptions), imageCacheBytes));
    }

    /// <summary>One conversation tokenized (images loaded and expanded into their pad tokens).</summary>
    public TokenizedConversation Tokenize(IReadOnlyList<ChatTurn> conversation, bool addGenerationPrompt = true) =>
        Template.Encode(Images.Resolve(conversation), addGenerationPrompt);

    /// <summary>Conversations as one left-padded batch on <paramref name="device"/> (CPU when null), ending with the generation prompt unless told otherwise.</summary>
    public MultimodalBatch Encode(IReadOnlyList<IReadOnlyList<ChatTurn>> conversations, Device? device = null, bool addGenerationPrompt = true)
    {
        ArgumentNullException.ThrowIfNull(conversations);
        return MultimodalCollator.Collate(conversations.Select(c => Tokenize(c, addGenerationPrompt)).ToList(), Tokenizer.Special, device);
    }

    /// <summary>Decodes ids to text (special tokens dropped unless <paramref name="skipSpecial"/> is false).</summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecial = true) => Tokenizer.Decode(ids, skipSpecial);
}
