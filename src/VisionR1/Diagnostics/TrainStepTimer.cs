using System.Diagnostics;
using VisionR1.Inputs;
using VisionR1.Model;
using VisionR1.Model.Config;
using static TorchSharp.torch;

namespace VisionR1.Diagnostics;

/// <summary>
/// Times whole training steps (forward, next-token cross-entropy, backward, AdamW) of a freshly initialised model on a
/// synthetic multimodal batch: rows of random text, each with one image of <c>side × side</c> patches. Used by
/// <c>vr1 bench</c> and by the pipeline's start-up throughput probe.
/// </summary>
/// <param name="config">The model measured.</param>
/// <param name="dtype">Its weight type.</param>
/// <param name="device">Where it runs.</param>
/// <param name="rows">Rows of the batch.</param>
/// <param name="tokens">Tokens per row.</param>
/// <param name="imageSide">Patches per image side (8: a 112×112 image, 16 merged tokens).</param>
/// <param name="seed">Seed of the weights and inputs.</param>
/// <param name="maxLeftPadding">Each row gets 0 to this many left-padding positions (masked out), as a collated batch of uneven rows has.</param>
public sealed class TrainStepTimer(Qwen25VLConfig config, ScalarType dtype, Device device, int rows, int tokens, int imageSide, long seed, int maxLeftPadding = 0) : IDisposable
{
    private readonly Qwen25VLModel _model = CreateModel(config, dtype, device, seed);
    private VisionR1.Grpo.Training.AdamWOptimizer? _optimizer;
    private MultimodalBatch? _batch;

    /// <summary>The images of the batch, as (height, width) in patches.</summary>
    public IReadOnlyList<(int H, int W)> Images { get; } = Enumerable.Range(0, rows).Select(_ => (imageSide, imageSide)).ToList();

    /// <summary>One step; returns the seconds of forward (with the loss), backward and the AdamW update.</summary>
    public (double Forward, double Backward, double Update) Step(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _optimizer ??= new VisionR1.Grpo.Training.AdamWOptimizer(_model.parameters().ToList(), 1e-5);
        _batch ??= Batch(config, Images, tokens, device, seed, maxLeftPadding);
        using var scope = NewDisposeScope();
        var sw = Stopwatch.StartNew();
        _optimizer.ZeroGrad();
        using var output = _model.Forward(_batch);
        var logits = output.Logits!;
        long v = logits.shape[^1];
        var loss = nn.functional.cross_entropy(
            logits.narrow(1, 0, tokens - 1).reshape(-1, v),
            _batch.InputIds.narrow(1, 1, tokens - 1).reshape(-1));
        double forward = sw.Elapsed.TotalSeconds;
        loss.backward();
        double backward = sw.Elapsed.TotalSeconds;
        _optimizer.Step();
        double update = sw.Elapsed.TotalSeconds;
        return (forward, backward - forward, update - backward);
    }

    /// <summary>
    /// Median seconds of three training steps (after one warm-up) of <paramref name="rows"/> rows of <paramref name="tokens"/>
    /// tokens, each with one image of <paramref name="imageSize"/> pixels: a probe of this machine for a run's budget.
    /// </summary>
    public static double ProbeSeconds(Qwen25VLConfig config, ScalarType dtype, Device device, int rows, int tokens, int imageSize, long seed,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        int side = Math.Max(2, imageSize / config.Vision.PatchSize);
        side -= side % config.Vision.SpatialMergeSize;
        using var timer = new TrainStepTimer(config, dtype, device, rows, tokens, side, seed);
        return timer.MedianSeconds(warmup: 1, steps: 3, cancellationToken);
    }

    /// <summary>The median seconds of <paramref name="steps"/> steps after <paramref name="warmup"/> untimed ones.</summary>
    public double MedianSeconds(int warmup, int steps, CancellationToken cancellationToken = default)
    {
        for (int i = 0; i < warmup; i++) Step(cancellationToken);
        var times = Enumerable.Range(0, steps).Select(_ => { var (f, b, u) = Step(cancellationToken); return f + b + u; }).Order().ToList();
        return times[times.Count / 2];
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _batch?.Dispose();
        _optimizer?.Dispose();
        _model.Dispose();
    }

    private static Qwen25VLModel CreateModel(Qwen25VLConfig config, ScalarType dtype, Device device, long seed)
    {
        var model = new Qwen25VLModel(config, device, dtype);
        model.InitializeWeights(seed);
        model.train();
        return model;
    }

    /// <summary>
    /// Rows of text with one image each: some text, &lt;|vision_start|&gt;, the image's pad tokens,
    /// &lt;|vision_end|&gt;, then text to the row's end. Random ids above the special tokens, random patches.
    /// </summary>
    private static MultimodalBatch Batch(Qwen25VLConfig config, IReadOnlyList<(int H, int W)> images, int length, Device device, long seed, int maxLeftPadding)
    {
        var special = config.Tokens;
        int rows = images.Count, unit = config.Vision.SpatialMergeUnit;
        var rng = new Random((int)seed);
        int firstText = new[] { special.BosTokenId, special.EosTokenId, special.PadTokenId, special.ImageTokenId, special.VideoTokenId, special.VisionStartTokenId, special.VisionEndTokenId }.Max() + 1;
        var ids = new long[rows * length];
        var maskValues = new long[rows * length];
        Array.Fill(maskValues, 1);
        var grids = new List<long>();
        long patches = 0;
        for (int r = 0; r < rows; r++)
        {
            var (h, w) = images[r];
            int pads = h * w / unit;
            int padding = maxLeftPadding > 0 ? rng.Next(0, maxLeftPadding + 1) : 0;
            int start = 2 + padding;
            for (int j = 0; j < length; j++) ids[r * length + j] = j < padding ? special.PadTokenId : rng.Next(firstText, config.Text.VocabSize);
            Array.Fill(maskValues, 0, r * length, padding);
            ids[r * length + start] = special.VisionStartTokenId;
            for (int k = 0; k < pads; k++) ids[r * length + start + 1 + k] = special.ImageTokenId;
            ids[r * length + start + 1 + pads] = special.VisionEndTokenId;
            grids.AddRange([1, h, w]);
            patches += (long)h * w;
        }
        using var scope = NewDisposeScope();
        var inputIds = tensor(ids, [rows, length], device: device).DetachFromDisposeScope();
        var mask = tensor(maskValues, [rows, length], device: device).DetachFromDisposeScope();
        var pixels = randn([patches, config.Vision.PatchDim], device: device).DetachFromDisposeScope();
        var gridTensor = tensor(grids.ToArray(), [images.Count, 3], device: device).DetachFromDisposeScope();
        return new MultimodalBatch(inputIds, mask, pixels, gridTensor);
    }
}
