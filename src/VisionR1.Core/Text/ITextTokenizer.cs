namespace VisionR1.Text;

/// <summary>The ids of the special tokens the Qwen-VL chat format uses (Qwen2.5-VL and Qwen3-VL share them).</summary>
/// <param name="EndOfText">&lt;|endoftext|&gt; (151643 in the released Qwen2.5-VL and Qwen3-VL tokenizers); also the padding token.</param>
/// <param name="ImStart">&lt;|im_start|&gt; (151644).</param>
/// <param name="ImEnd">&lt;|im_end|&gt; (151645), the end-of-turn / end-of-sequence token.</param>
/// <param name="VisionStart">&lt;|vision_start|&gt; (151652).</param>
/// <param name="VisionEnd">&lt;|vision_end|&gt; (151653).</param>
/// <param name="ImagePad">&lt;|image_pad|&gt; (151655), expanded to one token per merged image patch.</param>
/// <param name="VideoPad">&lt;|video_pad|&gt; (151656).</param>
public sealed record SpecialTokenIds(int EndOfText, int ImStart, int ImEnd, int VisionStart, int VisionEnd, int ImagePad, int VideoPad)
{
    /// <summary>The ids used by the released Qwen2.5-VL checkpoints (and Qwen3-VL's, which are the same).</summary>
    public static SpecialTokenIds Qwen25VL { get; } = new(151643, 151644, 151645, 151652, 151653, 151655, 151656);
}

/// <summary>
/// A text tokenizer as the model, the chat template, generation and training see it.
/// Implementations: the Qwen2 byte-level BPE tokenizer loaded from a model folder, and the
/// compact tokenizer of the embedded default model.
/// </summary>
public interface ITextTokenizer
{
    /// <summary>Encodes text. With <paramref name="allowSpecial"/> false, text that merely looks like a special token is encoded as ordinary text.</summary>
    IReadOnlyList<int> Encode(string text, bool allowSpecial = true);

    /// <summary>Decodes ids back to text; <paramref name="skipSpecial"/> drops special tokens.</summary>
    string Decode(IEnumerable<int> ids, bool skipSpecial = false);

    /// <summary>Number of ids the tokenizer can produce (the model's embedding may be larger).</summary>
    int VocabularySize { get; }

    /// <summary>The chat-format special tokens.</summary>
    SpecialTokenIds Special { get; }

    /// <summary>Writes the tokenizer's files into <paramref name="directory"/> so a checkpoint folder is self-contained.</summary>
    void Save(string directory);
}
