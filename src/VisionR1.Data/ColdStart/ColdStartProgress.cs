namespace VisionR1.Data.ColdStart;

/// <summary>A snapshot of a construction run, reported after every finished or failed sample.</summary>
/// <param name="Completed">Samples written by this run.</param>
/// <param name="Resumed">Samples skipped because an earlier run finished them.</param>
/// <param name="Failed">Samples that failed (after the clients' retries; they are tried again by the next run).</param>
/// <param name="CallsMade">Chat calls that returned a usable reply in this run.</param>
/// <param name="StepsReused">Steps answered by a <see cref="Chat.DiskCachingChatClient"/> from disk instead of being called again.</param>
/// <param name="InputTokens">Input tokens spent by this run.</param>
/// <param name="OutputTokens">Output tokens spent by this run.</param>
/// <param name="Cost">Cost of this run at the configured prices.</param>
public sealed record ColdStartProgress(int Completed, int Resumed, int Failed, int CallsMade, int StepsReused, long InputTokens, long OutputTokens, decimal Cost);

/// <summary>The outcome of a construction run.</summary>
/// <param name="Progress">The final counts.</param>
/// <param name="Failures">Ids and errors of failed samples.</param>
public sealed record ColdStartSummary(ColdStartProgress Progress, IReadOnlyList<KeyValuePair<string, string>> Failures);
