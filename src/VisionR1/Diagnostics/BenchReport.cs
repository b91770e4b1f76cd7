using System.Text.Json;
using System.Text.Json.Serialization;

namespace VisionR1.Diagnostics;

/// <summary>
/// The figures of one <see cref="PerformanceBench"/> run; serialised as one JSON object with snake_case
/// names. Ratios (MFU, fractions, speed-up) are measured within the same process, so they hold on a noisy machine.
/// </summary>
public sealed record BenchReport
{
    /// <summary>Whether the quick (small-size) variant ran.</summary>
    public required bool Quick { get; init; }

    /// <summary>The device measured.</summary>
    public required string Device { get; init; }

    /// <summary>Intra-op threads in use.</summary>
    public required int Threads { get; init; }

    /// <summary>The OpenMP wait setting the process runs with (see <c>ThreadWaitPolicy</c>), e.g. <c>GOMP_SPINCOUNT=20000</c>.</summary>
    public required string ThreadWait { get; init; }

    /// <summary>Whether freed tensor memory stays in the process (see <c>NativeAllocator.KeepFreedMemory</c>).</summary>
    public required bool KeepsFreedMemory { get; init; }

    /// <summary>The malloc serving libtorch's tensor memory and why (see <c>NativeAllocator.Describe</c>), e.g. <c>allocator: tcmalloc (…)</c>.</summary>
    public required string Allocator { get; init; }

    /// <summary>The precision the run resolved ("fp32" or "bf16"); bf16 training steps are measured only when it is bf16.</summary>
    public required string Precision { get; init; }

    /// <summary>Why that precision: both probe rates and the rule (see <c>PrecisionChoice</c>).</summary>
    public required string PrecisionReason { get; init; }

    /// <summary>fp32 GFLOP/s of the small start-up probe behind the precision choice.</summary>
    public required double PrecisionProbeGflopsFp32 { get; init; }

    /// <summary>bf16 GFLOP/s of the start-up probe (null where bf16 products do not run).</summary>
    public double? PrecisionProbeGflopsBf16 { get; init; }

    /// <summary>One-minute load average when the run started (Linux), or null.</summary>
    [JsonPropertyName("load_average_1m")]
    public double? LoadAverage1m { get; init; }

    /// <summary>Best fp32 GFLOP/s over large square products, probed before and after the fp32 training steps.</summary>
    public required double MatmulPeakGflopsFp32 { get; init; }

    /// <summary>Best bf16 GFLOP/s over large square products (null unless the run resolved bf16).</summary>
    public double? MatmulPeakGflopsBf16 { get; init; }

    /// <summary>Tokens in one training step (rows × length).</summary>
    public required int TrainStepTokens { get; init; }

    /// <summary>Images in one training step.</summary>
    public required int TrainStepImages { get; init; }

    /// <summary>Analytic model FLOPs of one forward + backward (6·matmul params·tokens + attention, vision tower included), in GFLOP.</summary>
    public required double TrainStepGflop { get; init; }

    /// <summary>Fastest fp32 step (forward, backward, AdamW), seconds.</summary>
    public required double TrainStepSecondsFp32Small { get; init; }

    /// <summary>Median fp32 step, seconds.</summary>
    public required double TrainStepSecondsFp32SmallMedian { get; init; }

    /// <summary>Model FLOPs per second of the fastest fp32 step over the fp32 peak.</summary>
    public required double TrainStepMfuFp32Small { get; init; }

    /// <summary>How the fastest fp32 step divides between forward (with the loss), backward and AdamW.</summary>
    public required StepSplit TrainStepSplitFp32Small { get; init; }

    /// <summary>Fastest bf16 step, seconds (null without bf16).</summary>
    public double? TrainStepSecondsBf16Small { get; init; }

    /// <summary>Median bf16 step, seconds.</summary>
    public double? TrainStepSecondsBf16SmallMedian { get; init; }

    /// <summary>How the fastest bf16 step divides (null without bf16).</summary>
    public StepSplit? TrainStepSplitBf16Small { get; init; }

    /// <summary>Model FLOPs per second of the fastest bf16 step over the bf16 peak.</summary>
    public double? TrainStepMfuBf16Small { get; init; }

    /// <summary>Generated tokens per second (rows × new tokens over the whole generation, prefill included), greedy, KV cache.</summary>
    public required double DecodeTokensPerSSmall { get; init; }

    /// <summary>Rows decoded together.</summary>
    public required int DecodeRows { get; init; }

    /// <summary>
    /// Time to decode <see cref="KvCacheNewTokens"/> tokens for <see cref="DecodeRows"/> rows without a cache (re-running
    /// the sequence for every token) over the time with it.
    /// </summary>
    [JsonPropertyName("kv_cache_speedup_256")]
    public required double KvCacheSpeedup256 { get; init; }

    /// <summary>The same comparison for a single row, where a cached step is bound by streaming the weights and per-call overhead.</summary>
    [JsonPropertyName("kv_cache_speedup_256_one_row")]
    public required double KvCacheSpeedup256OneRow { get; init; }

    /// <summary>New tokens of the cache comparison (256 unless quick).</summary>
    public required int KvCacheNewTokens { get; init; }

    /// <summary>Mean GRPO step (generation, scoring, log-prob passes, update), seconds.</summary>
    public required double GrpoStepSecondsSmall { get; init; }

    /// <summary>Share of the GRPO step spent generating.</summary>
    public required double GrpoGenerationFraction { get; init; }

    /// <summary>Share spent in the reference/old log-prob passes.</summary>
    public required double GrpoLogprobFraction { get; init; }

    /// <summary>Share spent in the update (policy forward, loss, backward, AdamW).</summary>
    public required double GrpoUpdateFraction { get; init; }

    /// <summary>The GRPO loss's forward + backward on the step's (completions × length) tensors, over the step.</summary>
    public required double GrpoLossFraction { get; init; }

    /// <summary>Answer pairs verified per second on one thread.</summary>
    public required double VerifierPairsPerS { get; init; }

    /// <summary>Peak resident set of the process, MiB.</summary>
    public required double PeakRssMb { get; init; }

    /// <summary>Live tensors created by the run that are still alive at its end (0 = nothing leaked).</summary>
    public required long LiveTensorsAfter { get; init; }

    /// <summary>Live tensors after 2·n training steps minus after n steps (0 = no growth with steps).</summary>
    public required long LiveTensorsGrowth { get; init; }

    /// <summary>
    /// Training steps of each thread-wait setting alone and next to one busy process per core started mid-run (empty in the
    /// quick run and off Linux); the first entry, "chosen", is what vr1 itself does.
    /// </summary>
    public IReadOnlyList<ContentionTiming> Contention { get; init; } = [];

    /// <summary>Whether the chosen setting's step is within 1.5× of the best setting's, alone and with the competitors (null without <see cref="Contention"/>).</summary>
    [JsonPropertyName("chosen_within_1_5x_of_best")]
    public bool? ChosenWithin15xOfBest { get; init; }

    /// <summary>Wall time of the whole run, seconds.</summary>
    public required double ElapsedSeconds { get; init; }

    /// <summary>The serializer settings of the report (snake_case names), shared with <see cref="ContentionTiming"/>.</summary>
    public static JsonSerializerOptions JsonOptions => Json;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The report as one JSON object (snake_case names).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);
}
