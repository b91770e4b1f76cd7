using VisionR1.Runtime;
using TorchSharp;
using Parameter = TorchSharp.Modules.Parameter;
using VisionR1.Inputs;
using VisionR1.Model.Config;
using VisionR1.Model.Layers;
using VisionR1.Model.Text;
using VisionR1.Model.Vision;
using static TorchSharp.torch;

namespace VisionR1.Model;

/// <summary>
/// Qwen2.5-VL for conditional generation (HF <c>Qwen2_5_VLForConditionalGeneration</c>):
/// the vision encoder <c>visual</c>, the Qwen2 language model <c>model</c> and <c>lm_head</c>
/// (absent when tied to <c>model.embed_tokens</c>). Parameter names are the Hub checkpoint keys.
/// </summary>
/// <remarks>
/// Weights are created uninitialised on <see cref="Device"/> in <see cref="DType"/>: call
/// <see cref="InitializeWeights"/> for a random model or load a checkpoint with
/// <see cref="FromPretrained"/>. In bf16, RMSNorm statistics, rotary angles and the vision
/// rotation are computed in fp32, and on the CPU attention runs as bf16 products around an fp32
/// softmax (transformers' eager attention; libtorch's bf16 SDPA backward is slow there); the LM head runs in the weight dtype (as in transformers) and
/// its logits are returned as fp32, so softmax, log-probabilities and sampling are fp32.
/// Building on the <c>meta</c> device allocates nothing.
/// </remarks>
/// <example>
/// <code>
/// using var model = Qwen25VLModel.FromPretrained("Qwen2.5-VL-7B-Instruct", CUDA, ScalarType.BFloat16);
/// var generator = new CompletionGenerator(model);
/// var result = generator.Generate(prompts, new GenerationOptions { MaxNewTokens = 1024, Seed = 1 }, samplesPerPrompt: 8);
/// using var batch = CompletionBatchBuilder.FromGeneration(model, prompts, result);
/// using var logProbs = model.ComputeTokenLogProbs(batch, temperature: 1.0); // (B·G, C), differentiable
/// </code>
/// </example>
public sealed class Qwen25VLModel : nn.Module
{
    internal VisionTransformer visual;
    internal TextModel model;
    internal Linear? lm_head;

    /// <summary>Builds the modules for <paramref name="config"/> on <paramref name="device"/> (default CPU) in <paramref name="dtype"/> (default fp32); weights are uninitialised.</summary>
    public Qwen25VLModel(Qwen25VLConfig config, Device? device = null, ScalarType dtype = ScalarType.Float32) : base(nameof(Qwen25VLModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        if (dtype is not (ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16 or ScalarType.Float64))
            throw new ArgumentException($"Model dtype must be a floating type, got {dtype}.", nameof(dtype));
        Config = config;
        Device = device ?? CPU;
        DType = dtype;
        visual = new VisionTransformer(config.Vision, Device, dtype);
        model = new TextModel(config.Text, Device, dtype);
        lm_head = config.Text.TieWordEmbeddings ? null : new Linear(config.Text.HiddenSize, config.Text.VocabSize, false, Device, dtype);
        RegisterComponents();
    }

    /// <summary>Loads a Hugging Face folder (config.json + safetensors); see <see cref="Checkpoints.CheckpointLoader.Load"/>.</summary>
    public static Qwen25VLModel FromPretrained(string directory, Device? device = null, ScalarType dtype = ScalarType.Float32) =>
        Checkpoints.CheckpointLoader.Load(directory, device, dtype);

    /// <summary>Saves as a Hugging Face folder; see <see cref="Checkpoints.CheckpointSaver.Save"/>.</summary>
    public void SavePretrained(string directory, ScalarType? dtype = null, long? maxShardBytes = null) =>
        Checkpoints.CheckpointSaver.Save(this, directory, dtype, maxShardBytes);

    /// <summary>The configuration.</summary>
    public Qwen25VLConfig Config { get; }

    /// <summary>The device the weights live on.</summary>
    public Device Device { get; }

    /// <summary>The weights' dtype.</summary>
    public ScalarType DType { get; }

    /// <summary>
    /// Which layers recompute their activations in the backward pass instead of keeping them (default none): each
    /// decoder layer and/or each vision block then keeps only its input while gradients are on, and runs twice
    /// (forward, and again in backward). Inference, generation and passes without gradient are unaffected.
    /// </summary>
    public GradientCheckpointing GradientCheckpointing
    {
        get => (model.CheckpointLayers ? GradientCheckpointing.TextLayers : 0) | (visual.CheckpointBlocks ? GradientCheckpointing.VisionBlocks : 0);
        set
        {
            model.CheckpointLayers = value.HasFlag(GradientCheckpointing.TextLayers);
            visual.CheckpointBlocks = value.HasFlag(GradientCheckpointing.VisionBlocks);
        }
    }

    /// <summary>The LM head matrix [vocab, hidden] (the embedding when tied).</summary>
    public Tensor LmHeadWeight => lm_head?.weight ?? model.embed_tokens.weight;

    /// <summary>Total parameter count (the tied head counted once).</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>The vision tower's parameters (prefix <c>visual.</c>).</summary>
    public IEnumerable<(string Name, Parameter Parameter)> VisionParameters =>
        named_parameters().Where(p => p.name.StartsWith("visual.", StringComparison.Ordinal));

    /// <summary>Stops (or resumes) gradient flow into the vision tower's parameters.</summary>
    public void FreezeVision(bool frozen = true)
    {
        foreach (var (_, p) in VisionParameters) p.requires_grad = !frozen;
    }

    /// <summary>
    /// HF's initialisation from a seed: Linear, patch and embedding weights ~ N(0, initializer_range),
    /// biases 0, norm weights 1. A no-op on the meta device.
    /// </summary>
    public void InitializeWeights(long seed)
    {
        if (Device.type == DeviceType.META) return;
        using var _ = no_grad();
        var generator = new Generator((ulong)seed, Device);
        try
        {
            // Sorted by name so the result does not depend on registration order.
            foreach (var (name, p) in named_parameters().OrderBy(p => p.name, StringComparer.Ordinal))
            {
                if (name.EndsWith(".bias", StringComparison.Ordinal)) Scalars.Fill(p, 0.0); // zero_() returns a second handle that would outlive the call
                else if (name.EndsWith("norm.weight", StringComparison.Ordinal) || name.EndsWith("norm1.weight", StringComparison.Ordinal)
                         || name.EndsWith("norm2.weight", StringComparison.Ordinal) || name.EndsWith("ln_q.weight", StringComparison.Ordinal)
                         || name.EndsWith("layernorm.weight", StringComparison.Ordinal))
                    Scalars.Fill(p, 1.0);
                else p.normal_(0.0, Config.InitializerRange, generator);
            }
        }
        finally
        {
            generator.Dispose();
        }
    }

    /// <summary>Forward over a <see cref="MultimodalBatch"/> (ids, mask, patches, grids).</summary>
    public Qwen25VLOutput Forward(MultimodalBatch batch, KvCache? cache = null, LogitsMode logits = LogitsMode.All)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return Forward(batch.InputIds, batch.AttentionMask, batch.PixelValues, batch.ImageGridThw, cache, logits);
    }

    /// <summary>
    /// One forward pass. Without a cache (or with an empty one: the prefill) the M-RoPE positions
    /// are computed from the ids, mask and image grids and the images are encoded and scattered
    /// into the <c>&lt;|image_pad|&gt;</c> positions. With a filled cache the input is the next
    /// token(s), <paramref name="attentionMask"/> covers cache + input (B, S), and positions are
    /// cache position + rope delta.
    /// </summary>
    /// <param name="inputIds">(B, T) int64, left-padded.</param>
    /// <param name="attentionMask">(B, T) int64 without a cache; (B, cache length + T) with one.</param>
    /// <param name="pixelValues">(N, 1176) patches of all images, or null.</param>
    /// <param name="imageGridThw">(I, 3) int64 grids, or null.</param>
    /// <param name="cache">KV cache to fill and read, or null.</param>
    /// <param name="logits">Which logits to compute.</param>
    /// <exception cref="ArgumentException">Shapes disagree, or the number of image tokens differs from the number of image features (both counts named).</exception>
    public Qwen25VLOutput Forward(Tensor inputIds, Tensor attentionMask, Tensor? pixelValues = null, Tensor? imageGridThw = null,
        KvCache? cache = null, LogitsMode logits = LogitsMode.All) =>
        Forward(inputIds, attentionMask, pixelValues, imageGridThw, cache, logits, int.MaxValue);

    /// <summary>
    /// One decoding step of <see cref="Generation.GenerationSession"/>: <paramref name="attentionMask"/>'s columns after the
    /// prompt are all ones, so after an unpadded prompt the new token attends to the whole cache without a mask.
    /// </summary>
    internal Qwen25VLOutput DecodeStep(Tensor inputIds, Tensor attentionMask, KvCache cache) =>
        Forward(inputIds, attentionMask, null, null, cache, LogitsMode.LastPosition, int.MaxValue, decodeMaskIsOnes: true);

    private Qwen25VLOutput Forward(Tensor inputIds, Tensor attentionMask, Tensor? pixelValues, Tensor? imageGridThw,
        KvCache? cache, LogitsMode logits, int textOnlyFrom, bool decodeMaskIsOnes = false)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        ArgumentNullException.ThrowIfNull(attentionMask);
        if (inputIds.dim() != 2) throw new ArgumentException($"input_ids must be (B, T), got [{string.Join(", ", inputIds.shape)}].", nameof(inputIds));
        long b = inputIds.shape[0], t = inputIds.shape[1];
        long past = cache?.Length ?? 0;
        if (attentionMask.dim() != 2 || attentionMask.shape[0] != b || attentionMask.shape[1] != past + t)
            throw new ArgumentException(
                $"attention_mask must be (B, cache length + T) = ({b}, {past + t}), got [{string.Join(", ", attentionMask.shape)}].", nameof(attentionMask));
        if ((pixelValues is null) != (imageGridThw is null))
            throw new ArgumentException("pixel_values and image_grid_thw must be given together.");

        using var scope = NewDisposeScope();
        var ids = inputIds.to(Device);
        var mask = attentionMask.to(Device);
        Tensor positions, deltas;
        Tensor? imageMask = null;
        bool prefill = cache is null || cache.Length == 0;
        if (prefill)
        {
            var grids = ReadGrids(imageGridThw);
            using var hostIds = inputIds.to(CPU).to_type(ScalarType.Int64);
            using var hostMask = attentionMask.to(CPU).to_type(ScalarType.Int64);
            var index = RopeIndex.Compute(hostIds.data<long>().ToArray(), hostMask.data<long>().ToArray(), (int)b, (int)t,
                grids, Config.Tokens, Config.Vision.SpatialMergeSize, textOnlyFrom);
            positions = tensor(index.Positions, device: Device).view(3, b, t);
            deltas = tensor(index.Deltas, device: Device).view(b, 1);
            imageMask = tensor(index.IsImage, device: Device).view(b, t);
            cache?.SetRopeDeltas(deltas);
        }
        else
        {
            deltas = cache!.RopeDeltas?.alias() ?? throw new InvalidOperationException("The KV cache has no rope deltas: run the prefill through Forward first.");
            // Generated tokens are text: one position per token (the three M-RoPE axes agree).
            positions = Scalars.Add(Scalars.Arange(past, past + t, device: Device).view(1, t), deltas);
        }

        if (prefill)
        {
            long minId = ids.min().item<long>(), maxId = ids.max().item<long>();
            if (minId < 0 || maxId >= Config.Text.VocabSize)
                throw new ArgumentException($"Token id {(minId < 0 ? minId : maxId)} is outside the vocabulary 0..{Config.Text.VocabSize - 1}.", nameof(inputIds));
        }
        var embeds = model.embed_tokens.forward(ids);
        long imageTokens = imageMask is null ? 0 : imageMask.sum().item<long>();
        if (prefill && pixelValues is not null)
        {
            var features = EncodeImages(pixelValues.to(Device), ReadGrids(imageGridThw));
            if (features.shape[0] != imageTokens)
                throw new ArgumentException(
                    $"The batch has {imageTokens} image <|image_pad|> tokens but its images give {features.shape[0]} features; each image needs t·h·w/{Config.Vision.SpatialMergeUnit} pad tokens after <|vision_start|>.");
            embeds = embeds.masked_scatter(imageMask!.unsqueeze(-1).expand_as(embeds), features.to_type(embeds.dtype));
        }

        // Decoding reads generated (text) positions from a table built once per cache, not recomputed per token.
        Tensor cos, signedSin;
        if (prefill)
        {
            (cos, var sin) = MultimodalRotary.Tables(positions, Config.Text, DType);
            signedSin = MultimodalRotary.SignFoldedSin(sin);
        }
        else (cos, signedSin) = cache!.TextRotary(positions, Config.Text, DType);
        // Without padding and without earlier positions the mask is plain causal: let attention skip it.
        // A single new token after an unpadded prefill, whose caller guarantees the new mask columns are ones
        // (GenerationSession), attends to every cached key: no mask either.
        Tensor? attend;
        if (past == 0) attend = mask.all().item<bool>() ? null : AttentionMask(mask, past, t);
        else attend = decodeMaskIsOnes && t == 1 && cache!.Unpadded ? null : AttentionMask(mask, past, t);
        if (past == 0 && cache is not null) cache.Unpadded = attend is null;
        var hidden = model.Forward(embeds, cos, signedSin, attend, cache);

        Tensor? result = logits switch
        {
            LogitsMode.All => Logits(hidden),
            LogitsMode.LastPosition => Logits(hidden.select(1, t - 1)),
            _ => null,
        };
        return new Qwen25VLOutput(result?.MoveToOuterDisposeScope(), hidden.MoveToOuterDisposeScope(), deltas.MoveToOuterDisposeScope());
    }

    /// <summary>fp32 logits of hidden states (…, D) → (…, V).</summary>
    public Tensor Logits(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        var logits = nn.functional.linear(hidden, LmHeadWeight);
        return (logits.dtype == ScalarType.Float32 ? logits : logits.to_type(ScalarType.Float32)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Log-probabilities (and, if asked, entropies) of the completion tokens that end each row of
    /// <paramref name="sequences"/>: its ids are prompt (left-padded) followed by
    /// <paramref name="completionLength"/> completion tokens (right-padded, mask 0 after the end).
    /// Positions are computed over the whole prompt + completion. The LM head is applied in chunks
    /// of <paramref name="chunkSize"/> positions and only each position's chosen logit and
    /// log-sum-exp are kept, so no (B, C, V) log-softmax is materialised (the chunks' logits are
    /// still saved for backward when gradients are on). Values at padded completion positions are
    /// meaningless; mask them with the completion mask.
    /// </summary>
    /// <param name="sequences">Prompt + completion batch.</param>
    /// <param name="completionLength">C: the number of trailing columns that are completion tokens.</param>
    /// <param name="temperature">Logits are divided by it (grpo.md: log-probs on logits / sampling temperature).</param>
    /// <param name="computeEntropy">Also return the (detached) entropy per position.</param>
    /// <param name="chunkSize">Positions per LM-head chunk.</param>
    public TokenLogProbs ComputeTokenLogProbs(MultimodalBatch sequences, int completionLength, double temperature = 1.0,
        bool computeEntropy = false, int chunkSize = 64)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        long total = sequences.SequenceLength;
        if (completionLength < 1 || completionLength >= total)
            throw new ArgumentOutOfRangeException(nameof(completionLength), $"Completion length {completionLength} must be in 1..{total - 1} (the sequence has {total} columns).");
        if (temperature <= 0) throw new ArgumentOutOfRangeException(nameof(temperature), "Temperature must be positive.");
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);

        using var scope = NewDisposeScope();
        // Completion columns are text even if a sampled token happens to be <|image_pad|>.
        using var output = Forward(sequences.InputIds, sequences.AttentionMask, sequences.PixelValues, sequences.ImageGridThw, null, LogitsMode.None,
            checked((int)(total - completionLength)));
        var hidden = output.HiddenStates.narrow(1, total - completionLength - 1, completionLength);
        var targets = sequences.InputIds.to(Device).narrow(1, total - completionLength, completionLength);
        var logProbs = new List<Tensor>();
        var entropies = new List<Tensor>();
        for (long start = 0; start < completionLength; start += chunkSize)
        {
            long len = Math.Min(chunkSize, completionLength - start);
            var logits = Logits(hidden.narrow(1, start, len));
            if (temperature != 1.0) logits = Scalars.Div(logits, temperature);
            var lse = logits.logsumexp(-1, keepdim: false);
            var chosen = logits.gather(-1, targets.narrow(1, start, len).unsqueeze(-1)).squeeze(-1);
            logProbs.Add(chosen - lse);
            if (computeEntropy)
            {
                using var _ = no_grad();
                var d = logits.detach();
                var l = lse.detach();
                var p = (d - l.unsqueeze(-1)).exp();
                entropies.Add(l - (p * d).sum(-1));
            }
        }
        var lp = cat(logProbs, 1).MoveToOuterDisposeScope();
        var ent = computeEntropy ? cat(entropies, 1).MoveToOuterDisposeScope() : null;
        return new TokenLogProbs(lp, ent);
    }

    /// <summary>
    /// Log-probabilities (and optionally entropies) of the completion tokens of a
    /// <see cref="CompletionBatch"/> (from <c>MultimodalCollator.CollateCompletions</c> or
    /// <see cref="Generation.CompletionBatchBuilder.FromGeneration"/>): (B, C) for the columns
    /// from <see cref="CompletionBatch.PromptLength"/> on; mask them with
    /// <c>CompletionMask[:, PromptLength:]</c>.
    /// </summary>
    public TokenLogProbs ComputeTokenLogProbs(CompletionBatch batch, double temperature = 1.0, bool computeEntropy = false, int chunkSize = 64)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return ComputeTokenLogProbs(batch.Inputs, batch.CompletionLength, temperature, computeEntropy, chunkSize);
    }

    /// <summary>(B, 1, T, S) bool: causal over absolute positions, real keys only; every query also sees itself so padded rows stay finite.</summary>
    private Tensor AttentionMask(Tensor mask, long past, long t)
    {
        long s = past + t;
        if (t == 1)
        {
            // One new token sees every earlier key: only the padding matters, and the token itself.
            var single = Scalars.NotEqual(mask, 0);
            Scalars.Fill(single.narrow(1, s - 1, 1), true);
            return single.view(mask.shape[0], 1, 1, s);
        }
        var keyPos = Scalars.Arange(0, s, device: Device).view(1, s);
        var queryPos = Scalars.Arange(past, s, device: Device).view(t, 1);
        var causal = keyPos.le(queryPos);
        var self = keyPos.eq(queryPos);
        var keyReal = Scalars.NotEqual(mask, 0).view(mask.shape[0], 1, 1, s);
        return causal.unsqueeze(0).unsqueeze(0).logical_and(keyReal).logical_or(self.unsqueeze(0).unsqueeze(0));
    }

    /// <summary>
    /// The vision tower over a batch's images. Where no gradient reaches the tower (its parameters frozen, as in GRPO and the
    /// cold-start SFT, or gradients off), an image that occurs several times (the G completions of a GRPO group share their
    /// prompt's image) is encoded once and its features are repeated: the tower's cost then follows the distinct images, not the
    /// rows. Duplicates are found by a fingerprint of each image's patches and confirmed by exact comparison.
    /// </summary>
    internal Tensor EncodeImages(Tensor pixels, IReadOnlyList<(long T, long H, long W)> grids)
    {
        LastEncodedImages = grids.Count;
        if (grids.Count < 2 || (is_grad_enabled() && VisionParameters.Any(p => p.Parameter.requires_grad)))
            return visual.Forward(pixels, grids);
        using var scope = NewDisposeScope();
        int unit = Config.Vision.SpatialMergeUnit;
        var patches = grids.Select(g => g.T * g.H * g.W).ToArray();
        var offsets = new long[grids.Count];
        for (int i = 1; i < grids.Count; i++) offsets[i] = offsets[i - 1] + patches[i - 1];
        // Pixels that disagree with the grids: the tower's own check names the mismatch.
        if (pixels.dim() != 2 || pixels.shape[0] != offsets[^1] + patches[^1]) return visual.Forward(pixels, grids).MoveToOuterDisposeScope();

        // Two fingerprints per image: its patches' values weighted by two fixed patterns, summed per image.
        long dim = pixels.shape[1];
        var weights = stack([Scalars.Arange(1, dim + 1, 1, ScalarType.Float32, pixels.device).sin(),
            Scalars.Arange(1, dim + 1, 1, ScalarType.Float32, pixels.device).cos()], 1);
        var owner = tensor(Enumerable.Range(0, grids.Count).SelectMany(i => Enumerable.Repeat((long)i, (int)patches[i])).ToArray(), device: pixels.device);
        using var one = 1.ToScalar();
        var perImage = zeros([grids.Count, 2], ScalarType.Float32, pixels.device)
            .index_add_(0, owner, pixels.to_type(ScalarType.Float32).matmul(weights), one);
        using var host = perImage.to(CPU);
        var fp = host.data<float>().ToArray();

        var representative = new int[grids.Count];
        var firstByKey = new Dictionary<(long, long, long, float, float), List<int>>();
        var unique = new List<int>();
        for (int i = 0; i < grids.Count; i++)
        {
            var key = (grids[i].T, grids[i].H, grids[i].W, fp[2 * i], fp[2 * i + 1]);
            representative[i] = -1;
            if (firstByKey.TryGetValue(key, out var candidates))
                foreach (int c in candidates)
                    if (pixels.narrow(0, offsets[c], patches[c]).eq(pixels.narrow(0, offsets[i], patches[i])).all().item<bool>())
                    {
                        representative[i] = c;
                        break;
                    }
            if (representative[i] >= 0) continue;
            representative[i] = i;
            unique.Add(i);
            if (candidates is null) firstByKey[key] = [i];
            else candidates.Add(i);
        }
        if (unique.Count == grids.Count) return visual.Forward(pixels, grids).MoveToOuterDisposeScope();

        LastEncodedImages = unique.Count;
        var uniquePixels = cat(unique.Select(i => pixels.narrow(0, offsets[i], patches[i])).ToList(), 0);
        var features = visual.Forward(uniquePixels, unique.Select(i => grids[i]).ToList());
        // Row of each distinct image's first feature, then every image's rows in order.
        var start = new long[grids.Count];
        long at = 0;
        foreach (int i in unique)
        {
            start[i] = at;
            at += patches[i] / unit;
        }
        var rows = new List<long>();
        for (int i = 0; i < grids.Count; i++)
            for (long r = 0; r < patches[i] / unit; r++) rows.Add(start[representative[i]] + r);
        return features.index_select(0, tensor(rows.ToArray(), device: features.device)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Images the vision tower encoded in the last forward pass with images (after <see cref="EncodeImages"/> removed duplicates);
    /// a diagnostic for tests, not synchronized: generation chunks or training micro-batches running side by side overwrite it.
    /// </summary>
    internal int LastEncodedImages { get; private set; }

    private static List<(long T, long H, long W)> ReadGrids(Tensor? grid)
    {
        var list = new List<(long, long, long)>();
        if (grid is null) return list;
        if (grid.dim() != 2 || grid.shape[1] != 3)
            throw new ArgumentException($"image_grid_thw must be (I, 3), got [{string.Join(", ", grid.shape)}].");
        using var host = grid.to(CPU).to_type(ScalarType.Int64);
        var v = host.data<long>().ToArray();
        for (int i = 0; i < v.Length; i += 3) list.Add((v[i], v[i + 1], v[i + 2]));
        return list;
    }
}
