namespace VisionR1.Recipe;

/// <summary>
/// A base model that does not fit the run asking for it: pre-trained on another world, or another base than the one the run
/// folder started from. The message names each difference and what to do.
/// </summary>
public sealed class BaseMismatchException : InvalidOperationException
{
    /// <summary>Creates the exception with its user-facing message.</summary>
    public BaseMismatchException(string message) : base(message)
    {
    }
}
