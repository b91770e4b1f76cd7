namespace VisionR1.Diagnostics;

/// <summary>Settings of one <see cref="PerformanceBench"/> run.</summary>
/// <param name="Quick">Small sizes so the whole report takes seconds (used by tests); the figures are then only sanity checks.</param>
/// <param name="Threads">Intra-op threads (0 keeps libtorch's default).</param>
/// <param name="Device">"cpu", "cuda" or "cuda:N".</param>
/// <param name="Seed">Seed of the random weights and inputs.</param>
/// <param name="Precision">The precision policy; bf16 training steps are measured only where it resolves to bf16.</param>
public sealed record BenchOptions(bool Quick = false, int Threads = 0, string Device = "cpu", long Seed = 1,
    VisionR1.Runtime.PrecisionPolicy Precision = VisionR1.Runtime.PrecisionPolicy.Auto)
{
    /// <summary>Rows of the training batch (16 rows of 128 tokens, each with one 112×112 image, as the baseline).</summary>
    public int TrainRows => Quick ? 2 : 16;

    /// <summary>Tokens per training row.</summary>
    public int TrainTokens => Quick ? 32 : 128;

    /// <summary>Steps timed per dtype (after two warm-up steps); the leak check runs this many again.</summary>
    public int TrainSteps => Quick ? 2 : 6;

    /// <summary>Rows decoded together for <c>decode_tokens_per_s_small</c>.</summary>
    public int DecodeRows => Quick ? 4 : 16;

    /// <summary>New tokens per row for <c>decode_tokens_per_s_small</c>.</summary>
    public int DecodeTokens => Quick ? 8 : 64;

    /// <summary>
    /// New tokens for the cache-versus-recompute comparison (128 in a full run: the recompute costs the square of the length,
    /// and at 256 it alone took 40 s of a 63 s bench on an AVX-512 machine, about four times that in fp32 on an AVX2 one).
    /// </summary>
    public int KvCacheTokens => Quick ? 16 : 128;

    /// <summary>Prompt tokens of the decoding measurements.</summary>
    public int PromptTokens => Quick ? 16 : 64;

    /// <summary>GRPO steps timed (after one warm-up step).</summary>
    public int GrpoSteps => Quick ? 1 : 3;

    /// <summary>Prompts per GRPO step.</summary>
    public int GrpoPrompts => Quick ? 1 : 2;

    /// <summary>Completions per prompt (G).</summary>
    public int GrpoGroupSize => Quick ? 2 : 8;

    /// <summary>Completion length cap of the GRPO step.</summary>
    public int GrpoMaxTokens => Quick ? 8 : 64;

    /// <summary>Answer pairs verified.</summary>
    public int VerifierPairs => Quick ? 2_000 : 50_000;

    /// <summary>Square sizes of the matmul peak probe.</summary>
    public IReadOnlyList<int> PeakSizes => Quick ? [256, 512] : [1024, 2048, 3072];
}
