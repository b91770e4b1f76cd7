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
/// Weights are created uninitialised on <see cref="QwenVLModel.Device"/> in <see cref="QwenVLModel.DType"/>: call
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
/// using var logProbs = model.ComputeTokenLogProbs(batch, temperature: 1.0); // (B·G, C), differentiable (Qwen25VLLogProbs)
/// </code>
/// </example>
public sealed class Qwen25VLModel : QwenVLModel
{
    internal VisionTransformer visual;
    internal TextModel model;
    internal Linear? lm_head;

    /// <summary>Builds the modules for <paramref name="config"/> on <paramref name="device"/> (default CPU) in <paramref name="dtype"/> (default fp32); weights are uninitialised.</summary>
    public Qwen25VLModel(Qwen25VLConfig config, Device? device = null, ScalarType dtype = ScalarType.Float32) : base(nameof(Qwen25VLModel), device ?? CPU, dtype)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        visual = new VisionTransformer(config.Vision, Device, dtype);
        model = new TextModel(config.Text, Device, dtype);
        lm_head = config.Text.TieWordEmbeddings ? null : new Linear(config.Text.HiddenSize, config.Text.VocabSize, false, Device, dtype);
        RegisterComponents();
    }

    /// <summary>Loads a Hugging Face folder (config.json + safetensors); see <see cref="Checkpoints.CheckpointLoader.Load"/>.</summary>
    public static new Qwen25VLModel FromPretrained(string directory, Device? device = null, ScalarType dtype = ScalarType.Float32) =>
        Checkpoints.CheckpointLoader.Load(directory, device, dtype);

    /// <summary>Saves as a Hugging Face folder; see <see cref="Checkpoints.CheckpointSaver.Save"/>.</summary>
    public override void SavePretrained(string directory, ScalarType? dtype = null, long? maxShardBytes = null) =>
        Checkpoints.CheckpointSaver.Save(this, directory, dtype, maxShardBytes);

    /// <summary>The configuration.</summary>
    public Qwen25VLConfig Config { get; }

    /// <inheritdoc />
    public override QwenVLFamily Family => QwenVLFamily.Qwen25VL;

    /// <inheritdoc />
    public override ModelTokenIds Tokens => Config.Tokens;

    /// <inheritdoc />
    public override int VocabSize => Config.Text.VocabSize;

    /// <inheritdoc />
    public override int MaxPositionEmbeddings => Config.Text.MaxPositionEmbeddings;

    /// <inheritdoc />
    public override int SpatialMergeUnit => Config.Vision.SpatialMergeUnit;

    /// <inheritdoc />
    internal override string TextLayersPrefix => "model.layers.";

    /// <inheritdoc />
    public override QwenVLModel CreateUninitialised(Device? device = null, ScalarType? dtype = null) =>
        new Qwen25VLModel(Config, device ?? Device, dtype ?? DType);

    /// <inheritdoc />
    public override KvCache AllocateCache(long batch, long capacity) => KvCache.Allocate(Config.Text, batch, capacity, DType, Device);

    /// <inheritdoc />
    public override GradientCheckpointing GradientCheckpointing
    {
        get => (model.CheckpointLayers ? GradientCheckpointing.TextLayers : 0) | (visual.CheckpointBlocks ? GradientCheckpointing.VisionBlocks : 0);
        set
        {
            model.CheckpointLayers = value.HasFlag(GradientCheckpointing.TextLayers);
            visual.CheckpointBlocks = value.HasFlag(GradientCheckpointing.VisionBlocks);
        }
    }

    /// <inheritdoc />
    public override Tensor LmHeadWeight => lm_head?.weight ?? model.embed_tokens.weight;

    /// <summary>The vision tower's parameters (prefix <c>visual.</c>).</summary>
    public override IEnumerable<(string Name, Parameter Parameter)> VisionParameters =>
        named_parameters().Where(p => p.name.StartsWith("visual.", StringComparison.Ordinal));

    /// <inheritdoc />
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
        Tensor positions, deltas;
        Tensor? imageMask = null;
        bool prefill = cache is null || cache.Length == 0;
        List<(long T, long H, long W)> grids = [];
        if (prefill)
        {
            grids = ReadGrids(imageGridThw);
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
            var (features, _) = EncodeImages(pixelValues.to(Device), grids);
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
        if (past == 0) attend = mask.all().item<bool>() ? null : AttentionMask(mask, past, t, Device);
        else attend = decodeMaskIsOnes && t == 1 && cache!.Unpadded ? null : AttentionMask(mask, past, t, Device);
        if (past == 0 && cache is not null) cache.Unpadded = attend is null;
        var hidden = model.Forward(embeds, cos, signedSin, attend, cache);

        return Output(hidden, deltas, logits);
    }

    /// <summary>
    /// The vision tower over a batch's images, and how many it encoded. Where no gradient reaches the tower (its parameters frozen,
    /// as in GRPO and the cold-start SFT, or gradients off), an image that occurs several times is encoded once
    /// (<see cref="DistinctImages"/>); otherwise every image goes through the tower.
    /// </summary>
    internal (Tensor Features, int Encoded) EncodeImages(Tensor pixels, IReadOnlyList<(long T, long H, long W)> grids)
    {
        if (EncodesEveryImage(grids.Count)) return (visual.Forward(pixels, grids), grids.Count);
        return DistinctImages.Encode(visual, pixels, grids, Config.Vision.SpatialMergeUnit);
    }
}
