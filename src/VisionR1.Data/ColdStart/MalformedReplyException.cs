namespace VisionR1.Data.ColdStart;

/// <summary>A chat reply that cannot be used (empty, or a reasoning reply without its thinking); the call is retried.</summary>
public sealed class MalformedReplyException(string message) : Exception(message);
