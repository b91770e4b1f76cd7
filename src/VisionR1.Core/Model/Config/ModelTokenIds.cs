using VisionR1.Text;

namespace VisionR1.Model.Config;

/// <summary>The special token ids a Qwen2.5-VL config names (top-level fields of config.json).</summary>
/// <param name="BosTokenId"><c>bos_token_id</c> (&lt;|endoftext|&gt;; Qwen adds no BOS when encoding).</param>
/// <param name="EosTokenId"><c>eos_token_id</c> (&lt;|im_end|&gt;), the default stop token.</param>
/// <param name="PadTokenId">Padding id (<c>pad_token_id</c> when present, else &lt;|endoftext|&gt;).</param>
/// <param name="ImageTokenId"><c>image_token_id</c> (&lt;|image_pad|&gt;), replaced by image features.</param>
/// <param name="VideoTokenId"><c>video_token_id</c> (&lt;|video_pad|&gt;).</param>
/// <param name="VisionStartTokenId"><c>vision_start_token_id</c>.</param>
/// <param name="VisionEndTokenId"><c>vision_end_token_id</c>.</param>
public sealed record ModelTokenIds(int BosTokenId, int EosTokenId, int PadTokenId, int ImageTokenId, int VideoTokenId, int VisionStartTokenId, int VisionEndTokenId)
{
    /// <summary>The ids of the released Qwen2.5-VL checkpoints.</summary>
    public static ModelTokenIds Qwen25VL { get; } = From(SpecialTokenIds.Qwen25VL);

    /// <summary>The ids of the compact tokenizer of the embedded default model (specials at 0..6).</summary>
    public static ModelTokenIds Compact { get; } = From(new SpecialTokenIds(0, 1, 2, 3, 4, 5, 6));

    /// <summary>Derives the model's ids from a tokenizer's special tokens (EOS = &lt;|im_end|&gt;, BOS = pad = &lt;|endoftext|&gt;).</summary>
    public static ModelTokenIds From(SpecialTokenIds s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new(s.EndOfText, s.ImEnd, s.EndOfText, s.ImagePad, s.VideoPad, s.VisionStart, s.VisionEnd);
    }

    /// <summary>Throws <see cref="ModelConfigException"/> naming the first id outside the vocabulary 0..<paramref name="vocabSize"/> − 1.</summary>
    internal void CheckWithin(int vocabSize)
    {
        foreach (var (name, id) in new[]
                 {
                     ("bos_token_id", BosTokenId), ("eos_token_id", EosTokenId), ("pad_token_id", PadTokenId),
                     ("image_token_id", ImageTokenId), ("video_token_id", VideoTokenId),
                     ("vision_start_token_id", VisionStartTokenId), ("vision_end_token_id", VisionEndTokenId),
                 })
            if (id < 0 || id >= vocabSize)
                throw new ModelConfigException(name, $"{id} is outside the vocabulary 0..{vocabSize - 1}.");
    }
}
