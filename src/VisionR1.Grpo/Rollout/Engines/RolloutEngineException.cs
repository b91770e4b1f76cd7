namespace VisionR1.Grpo.Rollout.Engines;

/// <summary>A rollout engine failed: a server that cannot be reached after the retries, a bad response, or a weight version it does not serve.</summary>
public sealed class RolloutEngineException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RolloutEngineException() { }

    /// <summary>Creates the exception with a message.</summary>
    public RolloutEngineException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public RolloutEngineException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception for one completion request.</summary>
    public RolloutEngineException(string requestId, string message, Exception? innerException = null)
        : base($"Rollout request {requestId}: {message}", innerException) => RequestId = requestId;

    /// <summary>Creates the exception for one completion request answered (or not) by <paramref name="server"/> ("vllm at http://…").</summary>
    public RolloutEngineException(string requestId, string server, string message, Exception? innerException = null)
        : base($"Rollout request {requestId} ({server}): {message}", innerException)
    {
        RequestId = requestId;
        Server = server;
    }

    /// <summary>The completion request that failed (step, round, prompt, sample), or null when the failure concerns no single request.</summary>
    public string? RequestId { get; }

    /// <summary>The server that answered the failed request ("vllm at http://…"), or null when no server was involved.</summary>
    public string? Server { get; }
}
