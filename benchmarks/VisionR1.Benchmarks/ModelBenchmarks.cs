using BenchmarkDotNet.Attributes;
using VisionR1.Inputs;
using VisionR1.Model;
using VisionR1.Model.Config;
using VisionR1.Model.Generation;
using VisionR1.Runtime;
using static TorchSharp.torch;

namespace VisionR1.Benchmarks;

/// <summary>
/// Prefill and decode speed of the embedded "small" Qwen2.5-VL on CPU, with and without the KV
/// cache, at batch 1 and 16. Tokens per operation: prefill = Batch × PromptLength; decode =
/// Batch × NewTokens (divide to get tokens/s). "Recompute" decodes without a cache: every step
/// runs the whole sequence again, as a model without a cache must.
/// </summary>
[MemoryDiagnoser]
[InProcess] // the generated out-of-process project would miss the TorchSharp native fix applied to this build output
public class ModelBenchmarks
{
    private Qwen25VLModel _model = null!;
    private MultimodalBatch _prompts = null!;
    private CompletionGenerator _generator = null!;

    /// <summary>Rows in the batch.</summary>
    [Params(1, 16)]
    public int Batch { get; set; }

    /// <summary>Prompt tokens per row.</summary>
    [Params(64)]
    public int PromptLength { get; set; }

    /// <summary>Tokens generated per row (see <see cref="KvCacheSpeedupBenchmarks"/> for 256).</summary>
    [Params(32)]
    public int NewTokens { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        VisionR1Runtime.Initialize("cpu");
        _model = new Qwen25VLModel(Qwen25VLPresets.Small);
        _model.InitializeWeights(1);
        var ids = randint(7, 1024, [Batch, PromptLength], generator: new Generator(7));
        _prompts = new MultimodalBatch(ids, ones_like(ids), null, null);
        _generator = new CompletionGenerator(_model);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _prompts.Dispose();
        _model.Dispose();
    }

    /// <summary>One forward over the prompts (logits of the last position only).</summary>
    [Benchmark]
    public void Prefill()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        _model.Forward(_prompts, null, LogitsMode.LastPosition);
    }

    /// <summary>Greedy decoding of <see cref="NewTokens"/> tokens with the preallocated KV cache (includes the prefill).</summary>
    [Benchmark]
    public GenerationResult DecodeWithCache() =>
        _generator.Generate(_prompts, new GenerationOptions { MaxNewTokens = NewTokens, Temperature = 0, StopTokenIds = [] });

    /// <summary>Greedy decoding of <see cref="NewTokens"/> tokens recomputing the whole sequence each step.</summary>
    [Benchmark]
    public long DecodeRecompute() => Recompute(_model, _prompts.InputIds, NewTokens);

    /// <summary>Greedy decoding without a cache: every step runs the whole sequence again.</summary>
    internal static long Recompute(Qwen25VLModel model, Tensor prompt, int newTokens)
    {
        using var _ = no_grad();
        var ids = prompt.alias().DetachFromDisposeScope();
        try
        {
            for (int step = 0; step < newTokens; step++)
            {
                using var scope = NewDisposeScope();
                var mask = ones_like(ids);
                var logits = model.Forward(ids, mask, null, null, null, LogitsMode.LastPosition).Logits!;
                var next = cat([ids, logits.argmax(-1).unsqueeze(1)], 1).DetachFromDisposeScope();
                ids.Dispose();
                ids = next;
            }
            return ids.shape[1];
        }
        finally
        {
            ids.Dispose();
        }
    }
}

/// <summary>
/// The speed criterion: 256 new tokens for one 64-token prompt with the KV cache versus
/// recomputing the sequence each step (the cache must be at least 5× faster).
/// </summary>
[MemoryDiagnoser]
[InProcess] // the generated out-of-process project would miss the TorchSharp native fix applied to this build output
public class KvCacheSpeedupBenchmarks
{
    private Qwen25VLModel _model = null!;
    private MultimodalBatch _prompt = null!;
    private CompletionGenerator _generator = null!;

    /// <summary>Tokens generated.</summary>
    public const int NewTokens = 256;

    [GlobalSetup]
    public void Setup()
    {
        VisionR1Runtime.Initialize("cpu");
        _model = new Qwen25VLModel(Qwen25VLPresets.Small);
        _model.InitializeWeights(1);
        var ids = randint(7, 1024, [1, 64], generator: new Generator(7));
        _prompt = new MultimodalBatch(ids, ones_like(ids), null, null);
        _generator = new CompletionGenerator(_model);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _prompt.Dispose();
        _model.Dispose();
    }

    /// <summary>With the preallocated KV cache.</summary>
    [Benchmark(Baseline = true)]
    public GenerationResult Cached() =>
        _generator.Generate(_prompt, new GenerationOptions { MaxNewTokens = NewTokens, Temperature = 0, StopTokenIds = [] });

    /// <summary>Recomputing every step.</summary>
    [Benchmark]
    public long Recompute() => ModelBenchmarks.Recompute(_model, _prompt.InputIds, NewTokens);
}
