namespace VisionR1.Text;

/// <summary>Thrown when tokenizer files are missing, malformed or inconsistent; the message names the file and the problem.</summary>
public sealed class TokenizerFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TokenizerFormatException(string message, Exception? inner = null) : base(message, inner) { }
}
