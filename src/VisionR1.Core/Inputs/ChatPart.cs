namespace VisionR1.Inputs;

/// <summary>One piece of a chat turn's content: text or an image.</summary>
public abstract record ChatPart;

/// <summary>Plain text. It is always tokenized as text: a string that looks like a special token stays text.</summary>
/// <param name="Text">The text.</param>
public sealed record TextPart(string Text) : ChatPart;

/// <summary>An image, rendered as <c>&lt;|vision_start|&gt;&lt;|image_pad|&gt;…&lt;|vision_end|&gt;</c> with one pad per merged token.</summary>
/// <param name="Image">The processed image.</param>
public sealed record ImagePart(ProcessedImage Image) : ChatPart;

/// <summary>
/// An image by reference (a file or encoded bytes), not yet decoded: what data sets hold so that thousands of
/// conversations cost no pixels. <see cref="ImageLoader.Resolve"/> turns it into an <see cref="ImagePart"/> when
/// a batch is built; the chat template refuses an unresolved reference.
/// </summary>
/// <param name="Image">The referenced image.</param>
public sealed record ImageRefPart(VisionR1.Problems.ImageRef Image) : ChatPart;
