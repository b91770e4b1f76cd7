using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;
using VisionR1.Inputs;
using VisionR1.Model.Config;
using VisionR1.Runtime;
using static TorchSharp.torch;
using Parameter = TorchSharp.Modules.Parameter;

namespace VisionR1.Model;

/// <summary>The Qwen vision-language families this library trains.</summary>
public enum QwenVLFamily
{
    /// <summary>Qwen2.5-VL (<c>model_type</c> <c>qwen2_5_vl</c>): <see cref="Qwen25VLModel"/>.</summary>
    Qwen25VL,

    /// <summary>Qwen3-VL, dense (<c>model_type</c> <c>qwen3_vl</c>): <see cref="Qwen3VL.Qwen3VLModel"/>.</summary>
    Qwen3VL,
}

/// <summary>
/// A Qwen vision-language model as the recipe uses it: whole-sequence and KV-cached forward passes, the LM head, the
/// vision tower's parameters, gradient checkpointing and Hugging Face folders. Generation, log-probabilities, LoRA, the
/// policy and the trainers take this type, so they work on either family.
/// </summary>
/// <remarks>
/// Only this library's families derive from it (the constructor is not public). Parameter names are each family's Hub
/// checkpoint keys. Logits are returned as fp32 whatever the weights' dtype.
/// </remarks>
public abstract class QwenVLModel : nn.Module
{
    private protected QwenVLModel(string name, Device device, ScalarType dtype) : base(name)
    {
        if (dtype is not (ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16 or ScalarType.Float64))
            throw new ArgumentException($"Model dtype must be a floating type, got {dtype}.", nameof(dtype));
        Device = device;
        DType = dtype;
    }

    /// <summary>
    /// Loads a Hugging Face folder of either family, chosen by <c>config.json</c>'s <c>model_type</c>
    /// (<c>qwen2_5_vl</c> or <c>qwen3_vl</c>).
    /// </summary>
    /// <exception cref="ModelConfigException">config.json is missing, unreadable, or names another model type.</exception>
    public static QwenVLModel FromPretrained(string directory, Device? device = null, ScalarType dtype = ScalarType.Float32) =>
        FamilyOf(directory) switch
        {
            QwenVLFamily.Qwen3VL => Qwen3VL.Qwen3VLModel.FromPretrained(directory, device, dtype),
            _ => Qwen25VLModel.FromPretrained(directory, device, dtype),
        };

    /// <summary>The family of the Hugging Face folder <paramref name="directory"/>, from its <c>config.json</c>'s <c>model_type</c>.</summary>
    /// <exception cref="ModelConfigException">config.json is missing, unreadable, or names a model type that is neither family.</exception>
    public static QwenVLFamily FamilyOf(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string path = Path.Combine(directory, "config.json");
        if (!File.Exists(path)) throw new ModelConfigException("config.json", $"{path} does not exist.");
        return FamilyOfConfig(path) ?? throw new ModelConfigException("model_type", $"{path} has no model_type string (expected 'qwen2_5_vl' or 'qwen3_vl').");
    }

    /// <summary>The family a <c>config.json</c> file names in its <c>model_type</c>, or null when it has none.</summary>
    /// <exception cref="ModelConfigException">The file is not valid JSON, or names a model type that is neither family.</exception>
    public static QwenVLFamily? FamilyOfConfig(string configPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(configPath);
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(configPath));
        }
        catch (JsonException e)
        {
            throw new ModelConfigException("config.json", $"{configPath} is not valid JSON: {e.Message}", e);
        }
        string? type = root?["model_type"] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
        return type switch
        {
            null => null,
            "qwen2_5_vl" => QwenVLFamily.Qwen25VL,
            "qwen3_vl" => QwenVLFamily.Qwen3VL,
            _ => throw new ModelConfigException("model_type", $"{configPath} names '{type}'; this library loads 'qwen2_5_vl' and 'qwen3_vl'."),
        };
    }

    /// <summary>Which family this is.</summary>
    public abstract QwenVLFamily Family { get; }

    /// <summary>The device the weights live on.</summary>
    public Device Device { get; }

    /// <summary>The weights' dtype.</summary>
    public ScalarType DType { get; }

    /// <summary>The special token ids the model was configured with (image, video, vision start/end, pad, eos).</summary>
    public abstract ModelTokenIds Tokens { get; }

    /// <summary>Rows of the embedding and of the LM head.</summary>
    public abstract int VocabSize { get; }

    /// <summary>The longest sequence (prompt plus completion) the rotary tables are configured for.</summary>
    public abstract int MaxPositionEmbeddings { get; }

    /// <summary>Vision patches merged into one language-model token (spatial merge size squared).</summary>
    public abstract int SpatialMergeUnit { get; }

    /// <summary>
    /// Which layers recompute their activations in the backward pass instead of keeping them (default none): each
    /// decoder layer and/or each vision block then keeps only its input while gradients are on, and runs twice.
    /// Inference, generation and passes without gradient are unaffected.
    /// </summary>
    public abstract GradientCheckpointing GradientCheckpointing { get; set; }

    /// <summary>The LM head matrix [vocab, hidden] (the embedding when tied).</summary>
    public abstract Tensor LmHeadWeight { get; }

    /// <summary>Total parameter count (a tied head counted once).</summary>
    public long ParameterCount => parameters().Sum(p => p.numel());

    /// <summary>The vision tower's parameters, with their checkpoint names.</summary>
    public abstract IEnumerable<(string Name, Parameter Parameter)> VisionParameters { get; }

    /// <summary>The name prefix of the decoder layers' modules (LoRA attaches to the linear layers under it).</summary>
    internal abstract string TextLayersPrefix { get; }

    /// <summary>Stops (or resumes) gradient flow into the vision tower's parameters.</summary>
    public void FreezeVision(bool frozen = true)
    {
        foreach (var (_, p) in VisionParameters) p.requires_grad = !frozen;
    }

    /// <summary>
    /// Transformers' initialisation from a seed: linear, patch and embedding weights ~ N(0, initializer_range), biases 0,
    /// norm weights 1. A no-op on the meta device.
    /// </summary>
    public abstract void InitializeWeights(long seed);

    /// <summary>
    /// The initialisation both families share (transformers' <c>_init_weights</c>): parameters in name order, so the result
    /// does not depend on registration order; biases 0, norm weights 1 (names ending in <c>norm.weight</c>,
    /// <c>norm1.weight</c>, <c>norm2.weight</c>, <c>ln_q.weight</c> or <c>layernorm.weight</c>), every other weight drawn from
    /// N(0, <paramref name="initializerRange"/>) with a generator seeded by <paramref name="seed"/> on <see cref="Device"/>.
    /// </summary>
    private protected void InitializeFromSeed(long seed, double initializerRange)
    {
        if (Device.type == DeviceType.META) return;
        using var _ = no_grad();
        var generator = new Generator((ulong)seed, Device);
        try
        {
            foreach (var (name, p) in named_parameters().OrderBy(p => p.name, StringComparer.Ordinal))
            {
                if (name.EndsWith(".bias", StringComparison.Ordinal)) Scalars.Fill(p, 0.0); // zero_() returns a second handle that would outlive the call
                else if (name.EndsWith("norm.weight", StringComparison.Ordinal) || name.EndsWith("norm1.weight", StringComparison.Ordinal)
                         || name.EndsWith("norm2.weight", StringComparison.Ordinal) || name.EndsWith("ln_q.weight", StringComparison.Ordinal)
                         || name.EndsWith("layernorm.weight", StringComparison.Ordinal))
                    Scalars.Fill(p, 1.0);
                else p.normal_(0.0, initializerRange, generator);
            }
        }
        finally
        {
            generator.Dispose();
        }
    }

    /// <summary>A model of the same family and configuration with uninitialised weights, on <paramref name="device"/> (default this model's) in <paramref name="dtype"/> (default this model's).</summary>
    public abstract QwenVLModel CreateUninitialised(Device? device = null, ScalarType? dtype = null);

    /// <summary>An empty KV cache for <paramref name="batch"/> rows of up to <paramref name="capacity"/> positions, in this model's dtype and device.</summary>
    public abstract KvCache AllocateCache(long batch, long capacity);

    /// <summary>Forward over a <see cref="MultimodalBatch"/> (ids, mask, patches, grids).</summary>
    public QwenVLOutput Forward(MultimodalBatch batch, KvCache? cache = null, LogitsMode logits = LogitsMode.All)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return Forward(batch.InputIds, batch.AttentionMask, batch.PixelValues, batch.ImageGridThw, cache, logits);
    }

    /// <summary>
    /// One forward pass. Without a cache (or with an empty one: the prefill) the M-RoPE positions are computed from the
    /// ids, mask and image grids and the images are encoded and scattered into the <c>&lt;|image_pad|&gt;</c> positions.
    /// With a filled cache the input is the next token(s), <paramref name="attentionMask"/> covers cache + input (B, S),
    /// and positions are cache position + rope delta.
    /// </summary>
    /// <param name="inputIds">(B, T) int64, left-padded.</param>
    /// <param name="attentionMask">(B, T) int64 without a cache; (B, cache length + T) with one.</param>
    /// <param name="pixelValues">(N, channels·temporal·patch²) patches of all images in the processor's order, or null.</param>
    /// <param name="imageGridThw">(I, 3) int64 grids, or null.</param>
    /// <param name="cache">KV cache to fill and read, or null.</param>
    /// <param name="logits">Which logits to compute.</param>
    /// <exception cref="ArgumentException">Shapes disagree, a token id is outside the vocabulary, or the number of image tokens differs from the number of image features (both counts named).</exception>
    public QwenVLOutput Forward(Tensor inputIds, Tensor attentionMask, Tensor? pixelValues = null, Tensor? imageGridThw = null,
        KvCache? cache = null, LogitsMode logits = LogitsMode.All) =>
        ForwardCore(inputIds, attentionMask, pixelValues, imageGridThw, cache, logits, int.MaxValue, decodeMaskIsOnes: false);

    /// <summary>
    /// One decoding step of <see cref="Generation.GenerationSession"/>: <paramref name="attentionMask"/>'s columns after the
    /// prompt are all ones, so after an unpadded prompt the new token attends to the whole cache without a mask.
    /// </summary>
    internal QwenVLOutput DecodeStep(Tensor inputIds, Tensor attentionMask, KvCache cache) =>
        ForwardCore(inputIds, attentionMask, null, null, cache, LogitsMode.LastPosition, int.MaxValue, decodeMaskIsOnes: true);

    /// <summary>
    /// The prefill of a prompt + completion sequence for scoring: hidden states only, with the columns from
    /// <paramref name="textOnlyFrom"/> on read as text even where a sampled token happens to be <c>&lt;|image_pad|&gt;</c>.
    /// </summary>
    internal QwenVLOutput ForwardForScoring(MultimodalBatch sequences, int textOnlyFrom) =>
        ForwardCore(sequences.InputIds, sequences.AttentionMask, sequences.PixelValues, sequences.ImageGridThw, null, LogitsMode.None, textOnlyFrom, decodeMaskIsOnes: false);

    /// <summary>
    /// The family's forward pass behind <see cref="Forward(Tensor, Tensor, Tensor?, Tensor?, KvCache?, LogitsMode)"/>,
    /// <see cref="DecodeStep"/> and <see cref="ForwardForScoring"/>: columns from <paramref name="textOnlyFrom"/> on are read as
    /// text; <paramref name="decodeMaskIsOnes"/> tells a one-token step that the mask's new columns are ones.
    /// </summary>
    private protected abstract QwenVLOutput ForwardCore(Tensor inputIds, Tensor attentionMask, Tensor? pixelValues, Tensor? imageGridThw,
        KvCache? cache, LogitsMode logits, int textOnlyFrom, bool decodeMaskIsOnes);

    /// <summary>
    /// The argument checks of a forward pass: ids (B, T); a mask (B, cache length + T); pixel values and grids together.
    /// </summary>
    /// <exception cref="ArgumentException">A shape disagrees (both named), or only one of pixel values and grids is given.</exception>
    private protected static void CheckInputs(Tensor inputIds, Tensor attentionMask, Tensor? pixelValues, Tensor? imageGridThw, KvCache? cache)
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
    }

    /// <summary>
    /// A forward pass's output from the final hidden states (B, T, D) and rope deltas, with the logits <paramref name="mode"/>
    /// asks for; every tensor is moved out of the caller's dispose scope.
    /// </summary>
    private protected QwenVLOutput Output(Tensor hidden, Tensor deltas, LogitsMode mode)
    {
        Tensor? result = mode switch
        {
            LogitsMode.All => Logits(hidden),
            LogitsMode.LastPosition => Logits(hidden.select(1, hidden.shape[1] - 1)),
            _ => null,
        };
        return new QwenVLOutput(result?.MoveToOuterDisposeScope(), hidden.MoveToOuterDisposeScope(), deltas.MoveToOuterDisposeScope());
    }

    /// <summary>fp32 logits of hidden states (…, D) → (…, V).</summary>
    public Tensor Logits(Tensor hidden)
    {
        using var scope = NewDisposeScope();
        var logits = nn.functional.linear(hidden, LmHeadWeight);
        return (logits.dtype == ScalarType.Float32 ? logits : logits.to_type(ScalarType.Float32)).MoveToOuterDisposeScope();
    }

    /// <summary>Saves as a Hugging Face folder (config.json and safetensors shards named as the Hub's), in <paramref name="dtype"/> (default the weights').</summary>
    public abstract void SavePretrained(string directory, ScalarType? dtype = null, long? maxShardBytes = null);

    /// <summary>
    /// Whether every image goes through the vision tower: with fewer than two images, or while gradients reach the tower.
    /// Otherwise an image that occurs several times is encoded once (<see cref="DistinctImages"/>).
    /// </summary>
    private protected bool EncodesEveryImage(int images) =>
        images < 2 || (is_grad_enabled() && VisionParameters.Any(p => p.Parameter.requires_grad));

    /// <summary>(B, 1, T, S) bool: causal over absolute positions, real keys only; every query also sees itself so padded rows stay finite.</summary>
    internal static Tensor AttentionMask(Tensor mask, long past, long t, Device device)
    {
        long s = past + t;
        if (t == 1)
        {
            // One new token sees every earlier key: only the padding matters, and the token itself.
            var single = Scalars.NotEqual(mask, 0);
            Scalars.Fill(single.narrow(1, s - 1, 1), true);
            return single.view(mask.shape[0], 1, 1, s);
        }
        var keyPos = Scalars.Arange(0, s, device: device).view(1, s);
        var queryPos = Scalars.Arange(past, s, device: device).view(t, 1);
        var causal = keyPos.le(queryPos);
        var self = keyPos.eq(queryPos);
        var keyReal = Scalars.NotEqual(mask, 0).view(mask.shape[0], 1, 1, s);
        return causal.unsqueeze(0).unsqueeze(0).logical_and(keyReal).logical_or(self.unsqueeze(0).unsqueeze(0));
    }


    /// <summary>The (t, h, w) rows of an (I, 3) <c>image_grid_thw</c>, read on the host; empty for null.</summary>
    internal static List<(long T, long H, long W)> ReadGrids(Tensor? grid)
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
