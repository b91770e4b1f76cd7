using TorchSharp;
using VisionR1.Model.Layers;
using VisionR1.Model.Text;
using VisionR1.Runtime;
using static TorchSharp.torch;

namespace VisionR1.Model.Qwen3VL;

/// <summary>
/// Qwen3-VL for conditional generation (HF <c>Qwen3VLForConditionalGeneration</c>): <c>model.visual</c> (the vision encoder
/// with DeepStack mergers), <c>model.language_model</c> (the Qwen3 decoder) and <c>lm_head</c> (absent when
/// <c>text_config.tie_word_embeddings</c>). Parameter names are the Hub checkpoint keys.
/// </summary>
/// <remarks>
/// Weights are created uninitialised on <see cref="Device"/> in <see cref="DType"/>; load a checkpoint with
/// <see cref="FromPretrained"/>. A whole-sequence forward only: no KV cache, LoRA or generation yet. Images only: a
/// <c>&lt;|video_pad|&gt;</c> run after <c>&lt;|vision_start|&gt;</c> is refused. RMSNorm statistics, rotary angles and
/// the vision rotation are computed in fp32; logits are returned as fp32.
/// </remarks>
public sealed class Qwen3VLModel : nn.Module
{
    internal Qwen3VLBackbone model;
    internal Linear? lm_head;

    /// <summary>Builds the modules for <paramref name="config"/> on <paramref name="device"/> (default CPU) in <paramref name="dtype"/> (default fp32); weights are uninitialised.</summary>
    /// <exception cref="Config.ModelConfigException">The config is inconsistent (field named).</exception>
    public Qwen3VLModel(Qwen3VLConfig config, Device? device = null, ScalarType dtype = ScalarType.Float32) : base(nameof(Qwen3VLModel))
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        if (dtype is not (ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16 or ScalarType.Float64))
            throw new ArgumentException($"Model dtype must be a floating type, got {dtype}.", nameof(dtype));
        Config = config;
        Device = device ?? CPU;
        DType = dtype;
        model = new Qwen3VLBackbone(config, Device, dtype);
        lm_head = config.Text.TieWordEmbeddings ? null : new Linear(config.Text.HiddenSize, config.Text.VocabSize, false, Device, dtype);
        RegisterComponents();
    }

    /// <summary>Loads a Hugging Face folder (config.json + safetensors); see <see cref="Qwen3VLCheckpoint.Load"/>.</summary>
    public static Qwen3VLModel FromPretrained(string directory, Device? device = null, ScalarType dtype = ScalarType.Float32) =>
        Qwen3VLCheckpoint.Load(directory, device, dtype);

    /// <summary>The configuration.</summary>
    public Qwen3VLConfig Config { get; }

    /// <summary>The device the weights live on.</summary>
    public Device Device { get; }

    /// <summary>The weights' dtype.</summary>
    public ScalarType DType { get; }

    /// <summary>The LM head matrix [vocab, hidden] (the embedding when tied).</summary>
    public Tensor LmHeadWeight => lm_head?.weight ?? model.language_model.embed_tokens.weight;

    /// <summary>
    /// One forward pass over whole sequences: the M-RoPE positions are computed from the ids, mask and image grids
    /// (transformers' <c>get_rope_index</c>), the images are encoded and scattered into the <c>&lt;|image_pad|&gt;</c>
    /// positions, and their DeepStack features are added after the first decoder layers.
    /// </summary>
    /// <param name="inputIds">(B, T) int64, left- or right-padded.</param>
    /// <param name="attentionMask">(B, T) int64, 1 = real token.</param>
    /// <param name="pixelValues">(N, channels·temporal·patch²) patches of all images in the processor's order, or null.</param>
    /// <param name="imageGridThw">(I, 3) int64 grids, or null.</param>
    /// <exception cref="ArgumentException">Shapes disagree, a token id is outside the vocabulary, the number of image tokens differs from the number of image features (both counts named), or the batch holds a video.</exception>
    public QwenVLOutput Forward(Tensor inputIds, Tensor attentionMask, Tensor? pixelValues = null, Tensor? imageGridThw = null)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        ArgumentNullException.ThrowIfNull(attentionMask);
        if (inputIds.dim() != 2) throw new ArgumentException($"input_ids must be (B, T), got [{string.Join(", ", inputIds.shape)}].", nameof(inputIds));
        long b = inputIds.shape[0], t = inputIds.shape[1];
        if (!attentionMask.shape.SequenceEqual(inputIds.shape))
            throw new ArgumentException($"attention_mask must be (B, T) = ({b}, {t}), got [{string.Join(", ", attentionMask.shape)}].", nameof(attentionMask));
        if ((pixelValues is null) != (imageGridThw is null))
            throw new ArgumentException("pixel_values and image_grid_thw must be given together.");

        using var scope = NewDisposeScope();
        var grids = Qwen25VLModel.ReadGrids(imageGridThw);
        using var hostIds = inputIds.to(CPU).to_type(ScalarType.Int64);
        using var hostMask = attentionMask.to(CPU).to_type(ScalarType.Int64);
        var ids = hostIds.data<long>().ToArray();
        var maskValues = hostMask.data<long>().ToArray();
        CheckTokens(ids, maskValues, (int)t);
        var index = RopeIndex.Compute(ids, maskValues, (int)b, (int)t, grids, Config.Tokens, Config.Vision.SpatialMergeSize, framesAdvanceTime: true);
        var positions = tensor(index.Positions, device: Device).view(3, b, t);
        var deltas = tensor(index.Deltas, device: Device).view(b, 1);

        var deviceIds = hostIds.to(Device);
        var embeds = model.language_model.embed_tokens.forward(deviceIds);
        Tensor? visualRows = null;
        Tensor[]? deepstack = null;
        if (pixelValues is not null)
        {
            var (features, stack) = EncodeImages(pixelValues.to(Device), grids);
            var imageMask = Scalars.Equal(deviceIds, Config.Tokens.ImageTokenId);
            long imageTokens = imageMask.sum().item<long>();
            if (features.shape[0] != imageTokens)
                throw new ArgumentException(
                    $"The batch has {imageTokens} image <|image_pad|> tokens but its images give {features.shape[0]} features; each image needs t·h·w/{Config.Vision.SpatialMergeUnit} pad tokens after <|vision_start|>.");
            embeds = embeds.masked_scatter(imageMask.unsqueeze(-1).expand_as(embeds), features.to_type(embeds.dtype));
            visualRows = imageMask.view(-1).nonzero().view(-1);
            deepstack = stack;
        }

        var (cos, sin) = MultimodalRotary.Tables(positions, InterleavedRotary.AxisOfDimension(Config.Text.MropeSection, Config.Text.HeadDim), Config.Text.RopeTheta, DType);
        var signedSin = MultimodalRotary.SignFoldedSin(sin);
        var allowed = Qwen25VLModel.AttentionMask(tensor(maskValues, device: Device).view(b, t), 0, t, Device);
        var hidden = model.language_model.Forward(embeds, cos, signedSin, allowed, visualRows, deepstack);
        var logits = nn.functional.linear(hidden, LmHeadWeight);
        if (logits.dtype != ScalarType.Float32) logits = logits.to_type(ScalarType.Float32);
        return new QwenVLOutput(logits.MoveToOuterDisposeScope(), hidden.MoveToOuterDisposeScope(), deltas.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The vision encoder over a batch's images: the merged embeddings (image tokens, D) in the images' order and the
    /// DeepStack features (one (image tokens, D) tensor per <c>deepstack_visual_indexes</c> entry).
    /// </summary>
    internal (Tensor Embeds, Tensor[] Deepstack) EncodeImages(Tensor pixels, IReadOnlyList<(long T, long H, long W)> grids) =>
        model.visual.Forward(pixels.to_type(DType), grids);

    /// <summary>Refuses ids outside the vocabulary and videos (a <c>&lt;|video_pad|&gt;</c> right after <c>&lt;|vision_start|&gt;</c>).</summary>
    private void CheckTokens(long[] ids, long[] mask, int length)
    {
        var tokens = Config.Tokens;
        for (int i = 0; i < ids.Length; i++)
        {
            if (ids[i] < 0 || ids[i] >= Config.Text.VocabSize)
                throw new ArgumentException($"Token id {ids[i]} (row {i / length}, column {i % length}) is outside the vocabulary 0..{Config.Text.VocabSize - 1}.");
            if (mask[i] != 0 && ids[i] == tokens.VideoTokenId && i % length > 0 && ids[i - 1] == tokens.VisionStartTokenId)
                throw new ArgumentException($"Row {i / length} holds a video (<|video_pad|> after <|vision_start|> at column {i % length}); this Qwen3-VL port encodes images only.");
        }
    }
}
