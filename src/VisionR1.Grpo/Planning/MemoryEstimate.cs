using System.Globalization;
using System.Text;

namespace VisionR1.Grpo.Planning;

/// <summary>
/// Predicted memory of a training run on one device, in bytes (<see cref="MemoryPlan.Estimate"/>). The resident parts
/// (<see cref="Weights"/>, <see cref="MasterWeights"/>, <see cref="Optimizer"/>, <see cref="Reference"/>) live for the whole
/// run; gradients live from a backward pass until the next step's first one; activations live during a micro-batch's
/// forward and backward; the KV cache during generation.
/// </summary>
public sealed record MemoryEstimate
{
    /// <summary>Every parameter of the model (a tied LM head once).</summary>
    public required long Parameters { get; init; }

    /// <summary>What the optimizer updates (the adapter's with LoRA).</summary>
    public required long TrainableParameters { get; init; }

    /// <summary>The model's weights in their dtype.</summary>
    public required long Weights { get; init; }

    /// <summary>fp32 copies of bf16/fp16 trainable weights kept by AdamW.</summary>
    public required long MasterWeights { get; init; }

    /// <summary>AdamW's two fp32 moments per trainable weight.</summary>
    public required long Optimizer { get; init; }

    /// <summary>The KL reference: a second copy of the weights in full fine-tuning, none with LoRA (the adapter switched off).</summary>
    public required long Reference { get; init; }

    /// <summary>One gradient per trainable weight, in the weight's dtype.</summary>
    public required long Gradients { get; init; }

    /// <summary>What one micro-batch's forward keeps for backward (decoder layers, vision blocks when trained, LM-head logits).</summary>
    public required long Activations { get; init; }

    /// <summary>Keys and values of one generation batch at full length.</summary>
    public required long KvCache { get; init; }

    /// <summary>The largest of: the start of backward (resident + activations + the logits' gradient), the middle (resident + head gradient + layer activations), the end (resident + gradients + the optimizer's temporaries).</summary>
    public required long PeakTraining { get; init; }

    /// <summary>Resident + the previous step's gradients (freed only at the next update) + the KV cache + a sampling step's logits.</summary>
    public required long PeakGeneration { get; init; }

    /// <summary>The run's peak: the larger of training and generation.</summary>
    public long Peak => Math.Max(PeakTraining, PeakGeneration);

    /// <summary>Whether the peak fits <paramref name="deviceBytes"/>.</summary>
    public bool Fits(long deviceBytes) => Peak <= deviceBytes;

    /// <summary>A table of the parts in GiB (and the verdict against <paramref name="deviceBytes"/> when given).</summary>
    public string ToTable(long? deviceBytes = null)
    {
        var sb = new StringBuilder();
        void Row(string name, long bytes) => sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{name,-22}{bytes / (double)(1L << 30),10:F2} GiB"));
        sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"parameters            {Parameters:N0} ({TrainableParameters:N0} trainable)"));
        Row("weights", Weights);
        Row("master weights", MasterWeights);
        Row("optimizer", Optimizer);
        Row("reference", Reference);
        Row("gradients", Gradients);
        Row("activations", Activations);
        Row("kv cache", KvCache);
        Row("peak (training)", PeakTraining);
        Row("peak (generation)", PeakGeneration);
        Row("peak", Peak);
        if (deviceBytes is { } d)
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{(Fits(d) ? "fits" : "does not fit")} {d / (double)(1L << 30):F0} GiB ({100.0 * Peak / d:F0}%)"));
        return sb.ToString();
    }
}
