using TorchSharp.Modules;
using VisionR1.Inputs;
using static TorchSharp.torch;

namespace VisionR1.Grpo.Policies;

/// <summary>
/// What the GRPO and SFT trainers need from a causal (multimodal) language model: its parameters,
/// logits of the last positions of a batch, sampling, a frozen copy for the KL reference, and its
/// weights on disk. An adapter over the Qwen2.5-VL model of VisionR1.Core implements it;
/// any other TorchSharp model can be trained by implementing this.
/// </summary>
public interface IPolicyModel : IDisposable
{
    /// <summary>The module whose parameters are trained (train/eval mode, device and dtype moves go through it).</summary>
    nn.Module Module { get; }

    /// <summary>The parameters to optimise; with <paramref name="freezeVisionTower"/> the vision encoder and its merger are left out (and get no gradient).</summary>
    IReadOnlyList<Parameter> TrainableParameters(bool freezeVisionTower);

    /// <summary>
    /// Runs the model on a (left-padded) batch and returns the logits that predict its last
    /// <paramref name="count"/> tokens: (B, count, V), where position j predicts token T − count + j.
    /// </summary>
    Tensor PredictLastTokens(MultimodalBatch batch, int count);

    /// <summary>Samples one completion per row of <paramref name="prompts"/> with <paramref name="generator"/> as the only randomness.</summary>
    SampledCompletions Generate(MultimodalBatch prompts, SamplingSettings settings, Generator generator, CancellationToken cancellationToken = default);

    /// <summary>A copy with the same weights, frozen (no gradients, eval mode): the KL reference.</summary>
    IPolicyModel CreateFrozenCopy();

    /// <summary>Writes the weights (and whatever else the model needs to be loaded again) into <paramref name="directory"/>.</summary>
    void SaveWeights(string directory);

    /// <summary>Loads weights written by <see cref="SaveWeights"/> into this model.</summary>
    void LoadWeights(string directory);
}
