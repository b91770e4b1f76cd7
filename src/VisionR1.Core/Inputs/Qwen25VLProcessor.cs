using VisionR1.Text;
using static TorchSharp.torch;

namespace VisionR1.Inputs;

/// <summary>
/// Everything that turns conversations into model inputs and ids back into text, in one object (as transformers'
/// <c>AutoProcessor</c>): the tokenizer, the chat template, and the image processor behind an <see cref="ImageLoader"/>
/// that decodes referenced images when a batch is built. <see cref="FromPretrained"/> reads a Hugging Face folder of
/// either family (Qwen2.5-VL or Qwen3-VL; the name is kept from when it served only the first).
/// </summary>
/// <example>
/// <code>
/// var processor = Qwen25VLProcessor.FromPretrained("Qwen2.5-VL-7B-Instruct");
/// using var model = QwenVLModel.FromPretrained("Qwen2.5-VL-7B-Instruct");
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
    /// The processor of a Hugging Face folder, Qwen2.5-VL or Qwen3-VL: its tokenizer files, the image geometry and pixel
    /// budget of its <c>preprocessor_config.json</c> (<see cref="VisionPatchGeometry.FromPretrained"/>: the fields present,
    /// the family's defaults for the others), and the chat template it ships (<see cref="ChatTemplateOptions.FromFolder"/>;
    /// when it ships none, Qwen2.5-VL's or Qwen3-VL Instruct's by the geometry's family) unless
    /// <paramref name="templateOptions"/> chooses one. <paramref name="imageCacheBytes"/> bounds the image cache.
    /// </summary>
    /// <exception cref="InvalidDataException">preprocessor_config.json, config.json or a chat template file is not valid JSON, has a field of the wrong type, or the template is not a Qwen one (the file is named).</exception>
    public static Qwen25VLProcessor FromPretrained(string directory, ChatTemplateOptions? templateOptions = null, long imageCacheBytes = 0)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var tokenizer = TokenizerLoader.FromFolder(directory);
        var geometry = VisionPatchGeometry.FromPretrained(directory);
        templateOptions ??= ChatTemplateOptions.FromFolder(directory)
            ?? (geometry.PatchSize == VisionPatchGeometry.Qwen3VL.PatchSize ? ChatTemplateOptions.Qwen3VLInstruct : ChatTemplateOptions.Qwen);
        return new Qwen25VLProcessor(tokenizer, templateOptions, new ImageLoader(new ImageProcessor(new ImageProcessorOptions(Geometry: geometry)), imageCacheBytes));
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
