using VisionR1.Model;
using VisionR1.Model.Config;
using VisionR1.Model.Lora;
using static TorchSharp.torch;

namespace VisionR1.Grpo.Planning;

/// <summary>What a GRPO (or SFT) run holds in memory, as <see cref="MemoryPlan.Estimate"/> needs it.</summary>
public sealed record MemoryPlanOptions
{
    /// <summary>The model: a Qwen2.5-VL or a Qwen3-VL configuration (either converts to <see cref="PlannedModel"/>).</summary>
    public required PlannedModel Config { get; init; }

    /// <summary>The weights' dtype (Float32 or BFloat16/Float16; bf16/fp16 weights get fp32 master copies in AdamW).</summary>
    public ScalarType DType { get; init; } = ScalarType.BFloat16;

    /// <summary>A LoRA adapter to train instead of the whole model, or null for full fine-tuning.</summary>
    public LoraConfig? Lora { get; init; }

    /// <summary>Leave the vision tower out of training (full fine-tuning only; LoRA never trains it).</summary>
    public bool FreezeVisionTower { get; init; } = true;

    /// <summary>Sequences per forward/backward (the trainer's micro-batch).</summary>
    public int MicroBatchSize { get; init; } = 1;

    /// <summary>Prompts sampled per step.</summary>
    public int PromptsPerStep { get; init; } = 1;

    /// <summary>Completions per prompt (G).</summary>
    public int GroupSize { get; init; } = 8;

    /// <summary>Sequences generated together (the KV cache holds this many rows); null = every completion of the step at once.</summary>
    public int? GenerationBatchSize { get; init; }

    /// <summary>Prompt length in tokens, image tokens included.</summary>
    public int PromptLength { get; init; } = 512;

    /// <summary>Completion length cap in tokens.</summary>
    public int CompletionLength { get; init; } = 4096;

    /// <summary>Vision-encoder patches per prompt (four per merged image token); they cost activations only when the vision tower trains (with Qwen3-VL's DeepStack mergers).</summary>
    public int ImagePatchesPerPrompt { get; init; }

    /// <summary>Layers that recompute activations in backward.</summary>
    public GradientCheckpointing Checkpointing { get; init; } = GradientCheckpointing.None;

    /// <summary>Whether a KL reference is held (β &gt; 0): a second copy of the weights in full fine-tuning, nothing with LoRA.</summary>
    public bool KlReference { get; init; } = true;

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentException">A value is out of range; the message names it.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Config);
        if (DType is not (ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16))
            throw new ArgumentException($"DType must be Float32, BFloat16 or Float16, got {DType}.");
        Lora?.Validate();
        if (MicroBatchSize < 1) throw new ArgumentException($"MicroBatchSize must be at least 1, got {MicroBatchSize}.");
        if (PromptsPerStep < 1) throw new ArgumentException($"PromptsPerStep must be at least 1, got {PromptsPerStep}.");
        if (GroupSize < 1) throw new ArgumentException($"GroupSize must be at least 1, got {GroupSize}.");
        if (GenerationBatchSize is < 1) throw new ArgumentException($"GenerationBatchSize must be at least 1, got {GenerationBatchSize}.");
        if (PromptLength < 1) throw new ArgumentException($"PromptLength must be at least 1, got {PromptLength}.");
        if (CompletionLength < 1) throw new ArgumentException($"CompletionLength must be at least 1, got {CompletionLength}.");
        if (ImagePatchesPerPrompt < 0) throw new ArgumentException($"ImagePatchesPerPrompt must not be negative, got {ImagePatchesPerPrompt}.");
    }
}
