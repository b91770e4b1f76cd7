namespace VisionR1.Text;

/// <summary>The text of the Qwen-VL chat and vision special tokens (the same in Qwen2.5-VL and Qwen3-VL).</summary>
public static class SpecialTokenNames
{
    /// <summary>&lt;|endoftext|&gt;, also used as the padding token.</summary>
    public const string EndOfText = "<|endoftext|>";

    /// <summary>&lt;|im_start|&gt;, opens a chat turn.</summary>
    public const string ImStart = "<|im_start|>";

    /// <summary>&lt;|im_end|&gt;, closes a chat turn; the end-of-sequence token.</summary>
    public const string ImEnd = "<|im_end|>";

    /// <summary>&lt;|vision_start|&gt;, opens an image or video.</summary>
    public const string VisionStart = "<|vision_start|>";

    /// <summary>&lt;|vision_end|&gt;, closes an image or video.</summary>
    public const string VisionEnd = "<|vision_end|>";

    /// <summary>&lt;|image_pad|&gt;, one per merged image patch.</summary>
    public const string ImagePad = "<|image_pad|>";

    /// <summary>&lt;|video_pad|&gt;, one per merged video patch.</summary>
    public const string VideoPad = "<|video_pad|>";

    /// <summary>The seven tokens in the order of the compact tokenizer's ids 0..6.</summary>
    public static IReadOnlyList<string> All { get; } = [EndOfText, ImStart, ImEnd, VisionStart, VisionEnd, ImagePad, VideoPad];
}
