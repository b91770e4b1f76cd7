using VisionR1.Model;
using VisionR1.Model.Config;
using static TorchSharp.torch;

namespace VisionR1.Grpo.Planning;

/// <summary>
/// Predicts a GRPO/SFT run's memory from the configuration (<see cref="MemoryPlanOptions"/>): parameter counts come from
/// the model built on the <c>meta</c> device (nothing allocated), activations from what this library's layers keep for
/// backward per token. Per decoder layer and token, with D the width, I the MLP width, Q = heads·head_dim, KV =
/// kv_heads·head_dim and s the dtype's bytes: the layer's input and residual (2sD), two RMSNorms (each its output sD,
/// its normed input sD when its weight trains, and an fp32 copy 4D of a bf16 input), the rotated queries and keys s(Q + KV), keys and values repeated to the query
/// heads (2sQ) or the raw q/k/v product without grouping, the attention output and its merged copy (2sQ), the attention's
/// log-sum-exp (4 bytes per head) and the MLP's gate, up, silu(gate) and product (4sI). The LM head keeps fp32 logits
/// of every scored position (4V per completion token). A checkpointed layer keeps only its input and TorchSharp's
/// placeholder for its output (2sD), plus one layer's activations and half as much again while it is recomputed
/// (measured). A layer's backward holds two MLP-wide gradients (2sI per token) on top. Attention is taken as a fused kernel (no T×T scores), which is what the
/// GPU backends and the CPU fp32 path run; the CPU bf16 path's explicit scores are not modelled.
/// <para>
/// Qwen3-VL (<see cref="PlannedModel.Family"/>) differs where its layers do: each decoder layer adds the per-head q/k
/// RMSNorms (two more norms, over Q and KV) and runs q, k and v as separate products (no fused weights); its vision blocks
/// run fc1 → GELU → fc2 (2sI_v per patch instead of SwiGLU's 4sI_v), full attention within each image, and, when the tower
/// trains, each DeepStack merger keeps its LayerNorm, fc1 and GELU outputs over the merged tokens (3s·4D_v per merged
/// token). The DeepStack adds into the first decoder layers keep nothing for backward (an index_add needs only its
/// indices), and the learned position table's bilinear mix keeps only its corner weights. The KV cache uses the family's
/// kv_heads·head_dim.
/// </para>
/// </summary>
public static class MemoryPlan
{
    /// <summary>Scored positions per LM-head chunk (<see cref="QwenVLLogProbs.ComputeTokenLogProbs(QwenVLModel, VisionR1.Inputs.MultimodalBatch, int, double, bool, int)"/>'s default).</summary>
    private const int LogitChunk = 64;

    /// <summary>Predicts the memory of the run described by <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static MemoryEstimate Estimate(MemoryPlanOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var text = options.Config.Text;
        bool qwen3 = options.Config.Family == QwenVLFamily.Qwen3VL;
        long s = options.DType == ScalarType.Float32 ? 4 : 2;
        bool lora = options.Lora is not null;

        var (all, visual, largest, loraCount) = CountParameters(options);
        long trainable = lora ? loraCount : options.FreezeVisionTower ? all - visual : all;
        long trainableBytesEach = lora ? 4 : s;
        long weights = all * s;
        long master = !lora && s != 4 ? trainable * 4 : 0;
        long optimizer = trainable * 2 * 4;
        long reference = options.KlReference && !lora ? weights : 0;
        long gradients = trainable * trainableBytesEach;
        long resident = weights + master + optimizer + reference;

        // Activations of one micro-batch.
        long d = text.HiddenSize, inter = text.IntermediateSize, heads = text.NumAttentionHeads, hd = text.HeadDim;
        long q = heads * hd, kv = text.NumKeyValueHeads * hd;
        long tokens = (long)options.MicroBatchSize * (options.PromptLength + options.CompletionLength);
        long scored = (long)options.MicroBatchSize * options.CompletionLength;
        long layer = LayerBytesPerToken(text, s, lora) * tokens;
        // Without LoRA, Qwen2.5-VL runs long inputs' q/k/v as one product over concatenated weights, which backward keeps.
        long fusedWeights = !qwen3 && !lora && tokens >= 64 ? s * d * (q + 2 * kv) : 0;
        // A layer's backward holds the gradients of two MLP-wide intermediates at once.
        long layerBackward = 2 * s * inter * tokens;
        // A checkpointed layer keeps its input and TorchSharp's output placeholder (sD each); the layer being recomputed
        // holds its activations and, measured on the CPU, about half as much again while its backward runs.
        long layers = options.Checkpointing.HasFlag(GradientCheckpointing.TextLayers)
            ? text.NumHiddenLayers * 2 * s * d * tokens + layer + layer / 2
            : text.NumHiddenLayers * (layer + fusedWeights);
        long vocab = text.VocabSize;
        long head = 4 * vocab * scored + (8 * d + s * d) * tokens;
        long visionActs = !lora && !options.FreezeVisionTower ? VisionActivations(options, s) : 0;
        long activations = layers + head + visionActs;

        // Backward starts with the logits' gradient and softmax of one chunk; the LM head's weight gradient comes first.
        long chunkLogits = 4 * vocab * options.MicroBatchSize * Math.Min(LogitChunk, options.CompletionLength);
        long headGradient = lora ? 0 : vocab * d * s;
        long startOfBackward = resident + activations + 2 * chunkLogits;
        long middle = resident + headGradient + layers + visionActs + layerBackward;
        // AdamW's update makes a few fp32 temporaries the size of the parameter it is updating.
        long largestTrainable = lora ? options.Lora!.Rank * Math.Max(d, inter) : largest;
        long end = resident + gradients + 3 * 4 * largestTrainable;
        long peakTraining = Math.Max(startOfBackward, Math.Max(middle, end));

        long generated = options.GenerationBatchSize ?? (long)options.PromptsPerStep * options.GroupSize;
        long kvCache = 2L * text.NumHiddenLayers * kv * s * generated * (options.PromptLength + options.CompletionLength);
        long samplingLogits = 2 * 4 * vocab * generated;
        long peakGeneration = resident + gradients + kvCache + samplingLogits;

        return new MemoryEstimate
        {
            Parameters = all, TrainableParameters = trainable, Weights = weights, MasterWeights = master, Optimizer = optimizer,
            Reference = reference, Gradients = gradients, Activations = activations, KvCache = kvCache,
            PeakTraining = peakTraining, PeakGeneration = peakGeneration,
        };
    }

    /// <summary>What one decoder layer keeps for backward per token, in bytes (the layout the class summary describes).</summary>
    private static long LayerBytesPerToken(PlannedModel.TextShape text, long s, bool lora)
    {
        long d = text.HiddenSize, heads = text.NumAttentionHeads, q = heads * text.HeadDim, kv = text.NumKeyValueHeads * text.HeadDim;
        bool grouped = heads != text.NumKeyValueHeads;
        // An RMSNorm keeps its output, its normed input when its weight trains, and an fp32 copy of a bf16/fp16 input.
        long Norm(long width) => s * width + (lora ? 0 : s * width) + (s == 4 ? 0 : 4 * width);
        long qkNorms = text.QkNorm ? Norm(q) + Norm(kv) : 0;
        return 2 * s * d + 2 * Norm(d) + qkNorms + s * (q + kv) + (grouped ? 2 * s * q : s * (q + 2 * kv)) + 2 * s * q + 4 * heads + 4 * s * text.IntermediateSize;
    }

    /// <summary>What the vision blocks keep for backward over one micro-batch's patches when they train, in bytes.</summary>
    private static long VisionActivations(MemoryPlanOptions options, long s)
    {
        if (options.ImagePatchesPerPrompt <= 0) return 0;
        var vision = options.Config.Vision;
        long dv = vision.HiddenSize, iv = vision.IntermediateSize;
        long patches = (long)options.MicroBatchSize * options.ImagePatchesPerPrompt;
        // SwiGLU keeps gate, up, silu(gate) and their product; fc1 → GELU → fc2 keeps fc1's and the GELU's outputs.
        long mlp = vision.GatedMlp ? 4 * s * iv : 2 * s * iv;
        long block = (2 * s * dv + 2 * 8 * dv + 4 * 2 * dv + s * 3 * dv + 2 * s * dv + mlp) * patches;
        // Each DeepStack merger keeps its LayerNorm, fc1 and GELU outputs (4·dv wide) over the merged tokens (patches / 4).
        long deepstack = vision.DeepstackMergers * 3 * s * dv * patches;
        return (options.Checkpointing.HasFlag(GradientCheckpointing.VisionBlocks)
            ? vision.Depth * s * dv * patches + block
            : vision.Depth * block) + deepstack;
    }

    /// <summary>Every parameter, the vision tower's, the largest single one, and the LoRA adapter's (0 without one), from the model built on <c>meta</c>.</summary>
    private static (long All, long Visual, long Largest, long Lora) CountParameters(MemoryPlanOptions options)
    {
        var planned = options.Config;
        using var model = planned.Build(META, options.DType);
        long all = 0, visual = 0, largest = 0, lora = 0;
        foreach (var (name, p) in model.named_parameters())
        {
            long n = p.numel();
            all += n;
            largest = Math.Max(largest, n);
            if (name.StartsWith(planned.VisionPrefix, StringComparison.Ordinal)) visual += n;
            else if (options.Lora is { } config && p.dim() == 2 && name.StartsWith(planned.TextLayersPrefix, StringComparison.Ordinal)
                     && name.EndsWith(".weight", StringComparison.Ordinal) && config.Targets(name[..^".weight".Length]))
                lora += config.Rank * (p.shape[0] + p.shape[1]);
        }
        return (all, visual, largest, lora);
    }
}
