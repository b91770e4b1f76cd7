namespace VisionR1.Text;

/// <summary>Settings for training the compact tokenizer of the embedded default model.</summary>
/// <param name="VocabularySize">
/// Total ids including the 7 special tokens and the 256 byte tokens (so at least 263). The
/// default 1024 matches the <c>vocab_size</c> of the tiny/small embedded model presets.
/// </param>
/// <param name="MinPairFrequency">A pair must occur at least this often (weighted by word count) to be merged; training stops earlier otherwise.</param>
public sealed record CompactTokenizerOptions(int VocabularySize = 1024, int MinPairFrequency = 2)
{
    /// <summary>Ids reserved before any learned merge: 7 special tokens + 256 byte tokens.</summary>
    public const int ReservedIds = 7 + 256;
}
