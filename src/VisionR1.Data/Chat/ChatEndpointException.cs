namespace VisionR1.Data.Chat;

/// <summary>
/// An endpoint's failure whose message held a secret: the message with the secret removed (<see cref="SecretRedactor"/>) and
/// the HTTP status, without the original exception (whose message and response would still carry it).
/// </summary>
public sealed class ChatEndpointException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ChatEndpointException(string message, int? status) : base(message) => Status = status;

    /// <summary>The HTTP status of the failed response, when known.</summary>
    public int? Status { get; }
}
