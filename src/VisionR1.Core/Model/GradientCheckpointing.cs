namespace VisionR1.Model;

/// <summary>Which parts of a <see cref="QwenVLModel"/> recompute activations in backward (<see cref="QwenVLModel.GradientCheckpointing"/>).</summary>
[Flags]
public enum GradientCheckpointing
{
    /// <summary>Every activation is kept for backward.</summary>
    None = 0,

    /// <summary>Each decoder layer of the language model keeps only its input.</summary>
    TextLayers = 1,

    /// <summary>Each block of the vision encoder keeps only its input.</summary>
    VisionBlocks = 2,

    /// <summary>Both.</summary>
    All = TextLayers | VisionBlocks,
}
