namespace VisionR1.Model.Checkpoints;

/// <summary>A checkpoint file or folder is malformed, truncated or does not fit the model; the message names the file and the key.</summary>
public sealed class CheckpointException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CheckpointException(string message, Exception? inner = null) : base(message, inner) { }
}
