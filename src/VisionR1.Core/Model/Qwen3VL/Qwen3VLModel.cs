using TorchSharp;
using VisionR1.Inputs;
using VisionR1.Model.Config;
using VisionR1.Model.Layers;
using VisionR1.Model.Text;
using VisionR1.Runtime;
using static TorchSharp.torch;
using Parameter = TorchSharp.Modules.Parameter;

namespace VisionR1.Model.Qwen3VL;

/// <summary>
/// Qwen3-VL for conditional generation (HF <c>Qwen3VLForConditionalGeneration</c>): <c>model.visual</c> (the vision encoder
/// with DeepStack mergers), <c>model.language_model</c> (the Qwen3 decoder) and <c>lm_head</c> (absent when
/// <c>text_config.tie_word_embeddings</c>). Parameter names are the Hub checkpoint keys.
/// </summary>
/// <remarks>
/// Weights are created uninitialised on <see cref="QwenVLModel.Device"/> in <see cref="QwenVLModel.DType"/>: call
/// <see cref="InitializeWeights"/> for a random model or load a checkpoint with <see cref="FromPretrained"/>. Images only: a
/// <c>&lt;|video_pad|&gt;</c> run after <c>&lt;|vision_start|&gt;</c> in a prompt is refused. RMSNorm statistics, rotary
/// angles and the vision rotation are computed in fp32; logits are returned as fp32.
/// </remarks>
public sealed class Qwen3VLModel : QwenVLModel
{
    internal Qwen3VLBackbone model;
    internal Linear? lm_head;
    private readonly long[] _rotaryAxis;

    /// <summary>Builds the modules for <paramref name="config"/> on <paramref name="device"/> (default CPU) in <paramref name="dtype"/> (default fp32); weights are uninitialised.</summary>
    /// <exception cref="Config.ModelConfigException">The config is inconsistent (field named).</exception>
    public Qwen3VLModel(Qwen3VLConfig config, Device? device = null, ScalarType dtype = ScalarType.Float32) : base(nameof(Qwen3VLModel), device ?? CPU, dtype)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        _rotaryAxis = InterleavedRotary.AxisOfDimension(config.Text.MropeSection, config.Text.HeadDim);
        model = new Qwen3VLBackbone(config, Device, dtype);
        lm_head = config.Text.TieWordEmbeddings ? null : new Linear(config.Text.HiddenSize, config.Text.VocabSize, false, Device, dtype);
        RegisterComponents();
    }

    /// <summary>Loads a Hugging Face folder (config.json + safetensors); see <see cref="Qwen3VLCheckpoint.Load"/>.</summary>
    public static new Qwen3VLModel FromPretrained(string directory, Device? device = null, ScalarType dtype = ScalarType.Float32) =>
        Qwen3VLCheckpoint.Load(directory, device, dtype);

    /// <summary>Saves as a Hugging Face folder; see <see cref="Qwen3VLCheckpoint.Save"/>.</summary>
    public override void SavePretrained(string directory, ScalarType? dtype = null, long? maxShardBytes = null) =>
        Qwen3VLCheckpoint.Save(this, directory, dtype, maxShardBytes);

    /// <summary>The configuration.</summary>
    public Qwen3VLConfig Config { get; }

    /// <inheritdoc />
    public override QwenVLFamily Family => QwenVLFamily.Qwen3VL;

    /// <inheritdoc />
    public override ModelTokenIds Tokens => Config.Tokens;

    /// <inheritdoc />
    public override int VocabSize => Config.Text.VocabSize;

    /// <inheritdoc />
    public override int MaxPositionEmbeddings => Config.Text.MaxPositionEmbeddings;

    /// <inheritdoc />
    public override int SpatialMergeUnit => Config.Vision.SpatialMergeUnit;

    /// <inheritdoc />
    internal override string TextLayersPrefix => "model.language_model.layers.";

    /// <inheritdoc />
    public override QwenVLModel CreateUninitialised(Device? device = null, ScalarType? dtype = null) =>
        new Qwen3VLModel(Config, device ?? Device, dtype ?? DType);

    /// <inheritdoc />
    public override KvCache AllocateCache(long batch, long capacity) =>
        KvCache.Allocate(Config.Text.NumHiddenLayers, Config.Text.NumKeyValueHeads, Config.Text.HeadDim, batch, capacity, DType, Device);

    /// <inheritdoc />
    public override GradientCheckpointing GradientCheckpointing
    {
        get => (model.language_model.CheckpointLayers ? GradientCheckpointing.TextLayers : 0) | (model.visual.CheckpointBlocks ? GradientCheckpointing.VisionBlocks : 0);
        set
        {
            model.language_model.CheckpointLayers = value.HasFlag(GradientCheckpointing.TextLayers);
            model.visual.CheckpointBlocks = value.HasFlag(GradientCheckpointing.VisionBlocks);
        }
    }

    /// <inheritdoc />
    public override Tensor LmHeadWeight => lm_head?.weight ?? model.language_model.embed_tokens.weight;

    /// <summary>The vision tower's parameters (prefix <c>model.visual.</c>, DeepStack mergers included).</summary>
    public override IEnumerable<(string Name, Parameter Parameter)> VisionParameters =>
        named_parameters().Where(p => p.name.StartsWith("model.visual.", StringComparison.Ordinal));

    /// <summary>
    /// Transformers' initialisation of <c>Qwen3VLForConditionalGeneration</c> from a seed: linear, patch-embedding, token and
    /// position embedding weights ~ N(0, <see cref="Qwen3VLConfig.InitializerRange"/>), biases 0, every norm weight 1
    /// (RMSNorms, the per-head q/k norms and the vision LayerNorms). A no-op on the meta device.
    /// </summary>
    public override void InitializeWeights(long seed) => InitializeFromSeed(seed, Config.InitializerRange);

    /// <inheritdoc />
    private protected override QwenVLOutput ForwardCore(Tensor inputIds, Tensor attentionMask, Tensor? pixelValues, Tensor? imageGridThw,
        KvCache? cache, LogitsMode logits, int textOnlyFrom, bool decodeMaskIsOnes)
    {
        CheckInputs(inputIds, attentionMask, pixelValues, imageGridThw, cache);
        long b = inputIds.shape[0], t = inputIds.shape[1];
        long past = cache?.Length ?? 0;

        using var scope = NewDisposeScope();
        var ids = inputIds.to(Device);
        var mask = attentionMask.to(Device);
        bool prefill = cache is null || cache.Length == 0;
        Tensor positions, deltas, cos, signedSin;
        Tensor? visualRows = null;
        Tensor[]? deepstack = null;
        Tensor embeds;
        if (prefill)
        {
            var grids = ReadGrids(imageGridThw);
            using var hostIds = inputIds.to(CPU).to_type(ScalarType.Int64);
            using var hostMask = attentionMask.to(CPU).to_type(ScalarType.Int64);
            var idValues = hostIds.data<long>().ToArray();
            var maskValues = hostMask.data<long>().ToArray();
            long imageTokens = CheckTokens(idValues, maskValues, (int)t, textOnlyFrom);
            var index = RopeIndex.Compute(idValues, maskValues, (int)b, (int)t, grids, Config.Tokens, Config.Vision.SpatialMergeSize, textOnlyFrom, framesAdvanceTime: true);
            positions = tensor(index.Positions, device: Device).view(3, b, t);
            deltas = tensor(index.Deltas, device: Device).view(b, 1);
            cache?.SetRopeDeltas(deltas);
            embeds = model.language_model.embed_tokens.forward(ids);
            if (pixelValues is not null)
            {
                var (features, stack) = EncodeImages(pixelValues.to(Device), grids);
                if (features.shape[0] != imageTokens)
                    throw new ArgumentException(
                        $"The batch has {imageTokens} image <|image_pad|> tokens but its images give {features.shape[0]} features; each image needs t·h·w/{Config.Vision.SpatialMergeUnit} pad tokens after <|vision_start|>.");
                var imageMask = tensor(index.IsImage, device: Device).view(b, t);
                embeds = embeds.masked_scatter(imageMask.unsqueeze(-1).expand_as(embeds), features.to_type(embeds.dtype));
                visualRows = imageMask.view(-1).nonzero().view(-1);
                deepstack = stack;
            }
            (cos, var sin) = MultimodalRotary.Tables(positions, _rotaryAxis, Config.Text.RopeTheta, DType);
            signedSin = MultimodalRotary.SignFoldedSin(sin);
        }
        else
        {
            deltas = cache!.RopeDeltas?.alias() ?? throw new InvalidOperationException("The KV cache has no rope deltas: run the prefill through Forward first.");
            // Generated tokens are text: one position per token (the three M-RoPE axes agree), read from the cache's table.
            positions = Scalars.Add(Scalars.Arange(past, past + t, device: Device).view(1, t), deltas);
            embeds = model.language_model.embed_tokens.forward(ids);
            (cos, signedSin) = cache.TextRotary(positions, _rotaryAxis, Config.Text.RopeTheta, DType);
        }

        // The prefill always masks (causal, real keys only). A single new token after an unpadded prefill, whose caller
        // guarantees the new mask columns are ones (GenerationSession), attends to every cached key: no mask.
        Tensor? attend = past > 0 && decodeMaskIsOnes && t == 1 && cache!.Unpadded ? null : AttentionMask(mask, past, t, Device);
        if (past == 0 && cache is not null) cache.Unpadded = mask.all().item<bool>();
        var hidden = model.language_model.Forward(embeds, cos, signedSin, attend, visualRows, deepstack, cache);

        return Output(hidden, deltas, logits);
    }

    /// <summary>
    /// The vision encoder over a batch's images: the merged embeddings (image tokens, D) in the images' order and the
    /// DeepStack features (one (image tokens, D) tensor per <c>deepstack_visual_indexes</c> entry). Where no gradient reaches
    /// the tower (its parameters frozen, or gradients off), an image that occurs several times is encoded once
    /// (<see cref="DistinctImages"/>), as for Qwen2.5-VL.
    /// </summary>
    internal (Tensor Embeds, Tensor[] Deepstack) EncodeImages(Tensor pixels, IReadOnlyList<(long T, long H, long W)> grids)
    {
        pixels = pixels.to_type(DType);
        if (EncodesEveryImage(grids.Count)) return model.visual.Forward(pixels, grids);
        var (outputs, _) = DistinctImages.Encode((p, g) =>
        {
            var (embeds, deepstack) = model.visual.Forward(p, g);
            return [embeds, .. deepstack];
        }, pixels, grids, Config.Vision.SpatialMergeUnit);
        return (outputs[0], outputs[1..]);
    }

    /// <summary>
    /// Refuses ids outside the vocabulary and videos (a <c>&lt;|video_pad|&gt;</c> right after <c>&lt;|vision_start|&gt;</c>
    /// before column <paramref name="textOnlyFrom"/>); returns the number of real <c>&lt;|image_pad|&gt;</c> tokens before that column.
    /// </summary>
    private long CheckTokens(long[] ids, long[] mask, int length, int textOnlyFrom)
    {
        var tokens = Config.Tokens;
        long images = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            if (ids[i] < 0 || ids[i] >= Config.Text.VocabSize)
                throw new ArgumentException($"Token id {ids[i]} (row {i / length}, column {i % length}) is outside the vocabulary 0..{Config.Text.VocabSize - 1}.");
            if (mask[i] == 0 || i % length >= textOnlyFrom) continue;
            if (ids[i] == tokens.ImageTokenId) images++;
            if (ids[i] == tokens.VideoTokenId && i % length > 0 && ids[i - 1] == tokens.VisionStartTokenId)
                throw new ArgumentException($"Row {i / length} holds a video (<|video_pad|> after <|vision_start|> at column {i % length}); this Qwen3-VL port encodes images only.");
        }
        return images;
    }
}
