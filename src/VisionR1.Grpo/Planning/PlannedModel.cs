using VisionR1.Model;
using VisionR1.Model.Config;
using VisionR1.Model.Qwen3VL;
using static TorchSharp.torch;

namespace VisionR1.Grpo.Planning;

/// <summary>
/// The model a <see cref="MemoryPlan"/> is for: a Qwen2.5-VL or a Qwen3-VL configuration. Either configuration converts to
/// it implicitly, so <c>Config = Qwen25VLPresets.Qwen7B</c> and <c>Config = Qwen3VLPresets.Qwen8B</c> both read as written.
/// </summary>
public sealed record PlannedModel
{
    private PlannedModel(Qwen25VLConfig? qwen25VL, Qwen3VLConfig? qwen3VL)
    {
        Qwen25VL = qwen25VL;
        Qwen3VL = qwen3VL;
    }

    /// <summary>The Qwen2.5-VL configuration, or null for a Qwen3-VL model.</summary>
    public Qwen25VLConfig? Qwen25VL { get; }

    /// <summary>The Qwen3-VL configuration, or null for a Qwen2.5-VL model.</summary>
    public Qwen3VLConfig? Qwen3VL { get; }

    /// <summary>Which family the model is.</summary>
    public QwenVLFamily Family => Qwen3VL is null ? QwenVLFamily.Qwen25VL : QwenVLFamily.Qwen3VL;

    /// <summary>A Qwen2.5-VL model.</summary>
    public static PlannedModel From(Qwen25VLConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new PlannedModel(config, null);
    }

    /// <summary>A Qwen3-VL model.</summary>
    public static PlannedModel From(Qwen3VLConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new PlannedModel(null, config);
    }

    /// <summary>A Qwen2.5-VL model (<see cref="From(Qwen25VLConfig)"/>).</summary>
    public static implicit operator PlannedModel(Qwen25VLConfig config) => From(config);

    /// <summary>A Qwen3-VL model (<see cref="From(Qwen3VLConfig)"/>).</summary>
    public static implicit operator PlannedModel(Qwen3VLConfig config) => From(config);

    /// <summary>
    /// Reads <c>config.json</c> from a file or a model folder, of either family by its <c>model_type</c>
    /// (<c>qwen2_5_vl</c> or <c>qwen3_vl</c>).
    /// </summary>
    /// <exception cref="FileNotFoundException">There is no config.json there.</exception>
    /// <exception cref="ModelConfigException">The file is not JSON, names another model type, or a field is missing or inconsistent (named).</exception>
    public static PlannedModel Load(string pathOrDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(pathOrDirectory);
        var path = Directory.Exists(pathOrDirectory) ? Path.Combine(pathOrDirectory, "config.json") : pathOrDirectory;
        if (!File.Exists(path)) throw new FileNotFoundException($"No config.json at {path}.", path);
        return QwenVLModel.FamilyOfConfig(path) == QwenVLFamily.Qwen3VL ? Qwen3VLConfig.Load(path) : Qwen25VLConfig.Load(path);
    }

    /// <summary>The language model's shape.</summary>
    internal TextShape Text => Qwen3VL is { } q
        ? new TextShape(q.Text.VocabSize, q.Text.HiddenSize, q.Text.IntermediateSize, q.Text.NumHiddenLayers, q.Text.NumAttentionHeads,
            q.Text.NumKeyValueHeads, q.Text.HeadDim, QkNorm: true)
        : new TextShape(Qwen25VL!.Text.VocabSize, Qwen25VL.Text.HiddenSize, Qwen25VL.Text.IntermediateSize, Qwen25VL.Text.NumHiddenLayers,
            Qwen25VL.Text.NumAttentionHeads, Qwen25VL.Text.NumKeyValueHeads, Qwen25VL.Text.HeadDim, QkNorm: false);

    /// <summary>The vision tower's shape.</summary>
    internal VisionShape Vision => Qwen3VL is { } q
        ? new VisionShape(q.Vision.Depth, q.Vision.HiddenSize, q.Vision.IntermediateSize, GatedMlp: false, q.Vision.DeepstackVisualIndexes.Count)
        : new VisionShape(Qwen25VL!.Vision.Depth, Qwen25VL.Vision.HiddenSize, Qwen25VL.Vision.IntermediateSize, GatedMlp: true, DeepstackMergers: 0);

    /// <summary>The name prefix of the vision tower's parameters.</summary>
    internal string VisionPrefix => Qwen3VL is null ? "visual." : "model.visual.";

    /// <summary>The name prefix of the decoder layers' parameters (where LoRA attaches).</summary>
    internal string TextLayersPrefix => Qwen3VL is null ? "model.layers." : "model.language_model.layers.";

    /// <summary>The model built on <paramref name="device"/> in <paramref name="dtype"/> with uninitialised weights (on <c>meta</c>: nothing allocated).</summary>
    public QwenVLModel Build(Device device, ScalarType dtype) =>
        Qwen3VL is { } q ? new Qwen3VLModel(q, device, dtype) : new Qwen25VLModel(Qwen25VL!, device, dtype);

    /// <summary>The widths of a decoder the plan counts with; <paramref name="QkNorm"/>: queries and keys are RMS-normed per head (Qwen3).</summary>
    internal sealed record TextShape(long VocabSize, long HiddenSize, long IntermediateSize, int NumHiddenLayers, long NumAttentionHeads,
        long NumKeyValueHeads, long HeadDim, bool QkNorm);

    /// <summary>The widths of a vision tower; <paramref name="GatedMlp"/>: SwiGLU blocks (Qwen2.5-VL) rather than fc1 → GELU → fc2 (Qwen3-VL).</summary>
    internal sealed record VisionShape(int Depth, long HiddenSize, long IntermediateSize, bool GatedMlp, int DeepstackMergers);
}
