using Microsoft.Extensions.AI;
using VisionR1.Data.Chat;

namespace VisionR1.Tests.Data;

/// <summary>Error texts from endpoints lose the configured key and anything shaped like a credential before they are shown.</summary>
public sealed class SecretRedactionTests
{
    [Theory]
    [InlineData("Incorrect API key provided: Bearer sk-proj-abcdefghijklmnop1234.", "sk-proj-abcdefghijklmnop1234")]
    [InlineData("auth failed for Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA==")]
    [InlineData("GET /v1/models?api_key=0123456789abcdef0123456789abcdef&x=1 -> 403", "0123456789abcdef0123456789abcdef")]
    [InlineData("{\"token\": \"c2VjcmV0LXRva2VuLXZhbHVl\"}", "c2VjcmV0LXRva2VuLXZhbHVl")]
    [InlineData("key=AbCdEfGhIjKlMnOp rejected", "AbCdEfGhIjKlMnOp")]
    [InlineData("hf token hf_abcdefghijklmnopqrstuv is invalid", "hf_abcdefghijklmnopqrstuv")]
    [InlineData("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpM expired", "eyJhbGciOiJIUzI1NiJ9")]
    public void Credential_shapes_are_masked(string text, string secret)
    {
        var clean = SecretRedactor.Redact(text)!;
        Assert.DoesNotContain(secret, clean, StringComparison.Ordinal);
        Assert.Contains(SecretRedactor.Mask, clean, StringComparison.Ordinal);
    }

    [Fact]
    public void A_given_key_of_any_shape_is_masked_and_ordinary_text_is_left_alone()
    {
        Assert.Equal($"the key {SecretRedactor.Mask} is wrong", SecretRedactor.Redact("the key plain-looking-secret is wrong", ["plain-looking-secret"]));
        const string ordinary = "HTTP 500: boom (server_error) after 3 retries; checkpoint step-00000003 sha 3fa1";
        Assert.Equal(ordinary, SecretRedactor.Redact(ordinary));
    }

    [Fact]
    public async Task A_server_echoing_the_authorization_header_in_a_401_never_shows_the_key()
    {
        const string key = "sk-test-0123456789abcdefSECRET";
        await using var server = new FakeChatServer((_, _, _) => "unused") { RejectEchoingAuthorization = true };
        // Unwrapped, the client's error text carries the key (what the endpoint sent back).
        var bare = await Assert.ThrowsAnyAsync<Exception>(() => server.Client(apiKey: key).GetResponseAsync([new ChatMessage(ChatRole.User, "Item-001")]));
        Assert.Contains(key, bare.ToString(), StringComparison.Ordinal);

        using var client = server.Client(apiKey: key).WithRetries(maxRetries: 2, baseDelay: TimeSpan.FromMilliseconds(1));
        var e = await Assert.ThrowsAsync<ChatEndpointException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "Item-001")]));
        Assert.DoesNotContain(key, e.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("sk-test", e.ToString(), StringComparison.Ordinal);
        Assert.Contains("Incorrect API key provided", e.Message, StringComparison.Ordinal);
        Assert.Equal(401, e.Status);
        Assert.Equal(2, server.Bodies.Count); // the bare call and one more: a 401 is not retried
    }
}
