using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using VisionR1.Grpo.Policies;
using VisionR1.Inputs;
using VisionR1.Problems;

namespace VisionR1.Grpo.Rollout.Engines;

/// <summary>
/// The sampling half of a <see cref="RemoteRolloutEngine"/>: every completion (p, k) of a round is one request with n = 1, its own
/// seed (<see cref="RolloutRequest.CompletionSeed"/>) and its own id (<see cref="RolloutRequest.RequestId"/>, sent as
/// <c>X-Request-Id: {id}.{engine}.{n}</c> with a random tag per engine and n counting every request this engine sent, since a
/// server refuses an id that is still running: an abandoned attempt, a request of an earlier call that failed while others still ran,
/// or a request of a crashed run that is being resumed), at most <see cref="RemoteRolloutOptions.MaxConcurrency"/>
/// in flight. Lost connections, deadlines, empty answers and HTTP 408, 429 and 5xx are retried through <see cref="RemoteCalls.Retry"/>;
/// each result is written into its own slot, so a retry neither loses nor duplicates a sample. Every answer is checked (token ids
/// and log-probs present and consistent, the prompt the server scored equal to the trainer's, images included, token ids inside
/// the vocabulary, a known finish reason), and a failure names the request and the server.
/// </summary>
internal sealed class RemoteSampler(RemoteCalls calls, ServerDialect dialect, ChatTemplate template, ImageLoader images)
{
    private readonly string _tag = Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.Next()));
    private long _sent;

    /// <summary>Samples every completion of <paramref name="request"/> from <paramref name="adapter"/> (null: the base model).</summary>
    public async Task<RolloutResult> SampleAsync(RolloutRequest request, string? adapter, int? vocabularySize, CancellationToken cancellationToken)
    {
        dialect.CheckSettings(request.Settings);
        int groupSize = request.GroupSize;
        var rendered = request.Prompts.Select((p, i) => Render(p, request.RequestId(i, 0))).ToArray();
        var results = new RolloutSample[request.Prompts.Count * groupSize];
        int retries = 0;
        using var gate = new SemaphoreSlim(calls.Options.MaxConcurrency);
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tasks = new Task[results.Length];
        for (int i = 0; i < results.Length; i++)
        {
            int p = i / groupSize, k = i % groupSize, slot = i;
            tasks[i] = Task.Run(async () =>
            {
                try
                {
                    string id = request.RequestId(p, k);
                    string body = dialect.Body(rendered[p], template, request.Settings, request.CompletionSeed(p, k), calls.Options.Model, adapter).ToJsonString();
                    var (text, tries) = await SendAsync(body, id, gate, failed.Token).ConfigureAwait(false);
                    Interlocked.Add(ref retries, tries);
                    results[slot] = Parse(text, rendered[p], p, k, request.Settings.MaxNewTokens, id, vocabularySize);
                }
                catch
                {
                    await failed.CancelAsync().ConfigureAwait(false); // one failed request fails the round: stop the others
                    throw;
                }
            }, CancellationToken.None);
        }
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch
        {
            cancellationToken.ThrowIfCancellationRequested();
            var first = tasks.Select(t => t.Exception?.InnerException).FirstOrDefault(e => e is not null and not OperationCanceledException);
            if (first is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
            throw;
        }
        return new RolloutResult(results, retries);
    }

    /// <summary>The prompt with its images loaded (through the trainer's loader, so both sides resize alike) and encoded.</summary>
    private RenderedPrompt Render(GrpoPrompt prompt, string requestId)
    {
        try
        {
            var turns = images.Resolve(prompt.Conversation());
            var ids = template.Encode(turns, addGenerationPrompt: true).InputIds;
            return new RenderedPrompt(prompt, turns, prompt.Problem.Images.Select(DataUrl).ToList(), ids);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidImageException or InvalidDataException)
        {
            throw new RolloutEngineException(requestId, calls.Server, $"an image of prompt '{prompt.Id}' could not be read: {e.Message}", e);
        }
    }

    /// <summary>Sends one completion request, holding a slot of <paramref name="gate"/> per attempt; returns the 200 answer and the number of retries.</summary>
    private async Task<(string Text, int Retries)> SendAsync(string body, string id, SemaphoreSlim gate, CancellationToken cancellationToken)
    {
        int attempt = -1;
        try
        {
            string text = await calls.Retry.ExecuteAsync(async token =>
            {
                ++attempt;
                string wireId = $"{id}.{_tag}.{Interlocked.Increment(ref _sent)}";
                await gate.WaitAsync(token).ConfigureAwait(false);
                try
                {
                    return await calls.Deadline.ExecuteAsync(async attemptToken =>
                    {
                        using var message = new HttpRequestMessage(HttpMethod.Post, dialect.SamplePath) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                        message.Headers.Add("X-Request-Id", wireId);
                        using var response = await calls.Http.SendAsync(message, attemptToken).ConfigureAwait(false);
                        string answer = await response.Content.ReadAsStringAsync(attemptToken).ConfigureAwait(false);
                        if (response.IsSuccessStatusCode && !string.IsNullOrWhiteSpace(answer)) return answer;
                        if (response.IsSuccessStatusCode) throw new TransientFailureException("an empty answer (the connection closed before the body)");
                        string failure = $"{dialect.SamplePath} answered HTTP {(int)response.StatusCode}: {RemoteCalls.Snippet(answer)}";
                        if (response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500)
                            throw new TransientFailureException(failure);
                        throw new RolloutEngineException(id, calls.Server, failure);
                    }, token).ConfigureAwait(false);
                }
                finally
                {
                    gate.Release();
                }
            }, cancellationToken).ConfigureAwait(false);
            return (text, attempt);
        }
        catch (Exception e) when (RemoteCalls.IsTransient(e, cancellationToken))
        {
            throw new RolloutEngineException(id, calls.Server, $"{dialect.SamplePath} failed after {attempt + 1} attempts; the last: {calls.Describe(e)}", e);
        }
    }

    /// <summary>Reads one completion from a 200 answer, or throws <see cref="RolloutEngineException"/> naming the request and the server.</summary>
    private RolloutSample Parse(string json, RenderedPrompt prompt, int promptIndex, int sampleIndex, int maxTokens, string requestId, int? vocabularySize)
    {
        ServerAnswer answer;
        try
        {
            if (JsonNode.Parse(json) is not JsonObject obj) throw new BadAnswerException("the response is not a JSON object.");
            answer = dialect.Read(obj, prompt);
        }
        catch (JsonException e)
        {
            throw new RolloutEngineException(requestId, calls.Server, $"the response is not JSON ({e.Message}).", e);
        }
        catch (BadAnswerException e)
        {
            throw new RolloutEngineException(requestId, calls.Server, e.Message);
        }
        var tokens = answer.Tokens;
        if (tokens.Length == 0) throw new RolloutEngineException(requestId, calls.Server, "the completion has no tokens.");
        if (tokens.Length > maxTokens) throw new RolloutEngineException(requestId, calls.Server, $"the completion has {tokens.Length} tokens, more than the cap of {maxTokens}.");
        for (int i = 0; i < tokens.Length; i++)
            if (tokens[i] < 0 || tokens[i] >= (vocabularySize ?? long.MaxValue))
                throw new RolloutEngineException(requestId, calls.Server, FormattableString.Invariant(
                    $"token {i} is id {tokens[i]}, outside the vocabulary 0..{(vocabularySize ?? long.MaxValue) - 1}: the server serves another model or tokenizer."));
        bool truncated = answer.Finish switch
        {
            "length" => true,
            "stop" => false,
            _ => throw new RolloutEngineException(requestId, calls.Server, $"finish reason '{answer.Finish}' (expected 'stop' or 'length')."),
        };
        return new RolloutSample(promptIndex, sampleIndex, tokens, truncated, answer.LogProbs);
    }

    /// <summary>An image as a <c>data:</c> URL (its bytes, or the file's).</summary>
    private static string DataUrl(ImageRef image)
    {
        byte[] bytes = image.Bytes ?? File.ReadAllBytes(image.Path!);
        string mime = bytes switch
        {
            [0xFF, 0xD8, ..] => "image/jpeg",
            [0x47, 0x49, 0x46, ..] => "image/gif",
            [0x42, 0x4D, ..] => "image/bmp",
            [0x52, 0x49, 0x46, 0x46, _, _, _, _, 0x57, 0x45, 0x42, 0x50, ..] => "image/webp",
            _ => "image/png",
        };
        return $"data:{mime};base64,{Convert.ToBase64String(bytes)}";
    }
}
