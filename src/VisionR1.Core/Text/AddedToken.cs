namespace VisionR1.Text;

/// <summary>
/// A token matched whole in the input before BPE runs (Hugging Face's "added token"), such as
/// <c>&lt;|im_start|&gt;</c>.
/// </summary>
/// <param name="Content">The exact text of the token.</param>
/// <param name="Id">Its id.</param>
/// <param name="Special">
/// True for special tokens: they are recognised only when encoding allows special tokens and
/// are dropped by <c>Decode(..., skipSpecial: true)</c>. Non-special added tokens are always
/// recognised and always decoded.
/// </param>
public sealed record AddedToken(string Content, int Id, bool Special);
