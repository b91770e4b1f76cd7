using TorchSharp.Modules;
using VisionR1.Inputs;
using static TorchSharp.torch;

namespace VisionR1.Grpo.Policies;

/// <summary>
/// What the GRPO and SFT trainers need from a causal (multimodal) language model: its parameters,
/// log-probabilities of the tokens that end a batch, sampling, a frozen copy for the KL reference, and
/// its weights on disk. <see cref="QwenPolicy"/> adapts the Qwen vision-language models of VisionR1.Core (either family); any other
/// TorchSharp model can be trained by implementing this.
/// </summary>
public interface IPolicyModel : IDisposable
{
    /// <summary>The module whose parameters are trained (train/eval mode and device go through it).</summary>
    nn.Module Module { get; }

    /// <summary>The parameters to optimise; with <paramref name="freezeVisionTower"/> the vision encoder and its merger are left out.</summary>
    IReadOnlyList<Parameter> TrainableParameters(bool freezeVisionTower);

    /// <summary>
    /// Runs the model on a left-padded batch whose last <paramref name="count"/> columns are the tokens to score
    /// (a prompt followed by a right-padded completion) and returns log p of each of those tokens given everything
    /// before it, under softmax(logits / <paramref name="temperature"/>): (B, count).
    /// </summary>
    PolicyLogProbs LogProbsOfLastTokens(MultimodalBatch sequences, int count, double temperature = 1.0, bool withEntropy = false);

    /// <summary>
    /// Samples <paramref name="samplesPerPrompt"/> completions for each prompt row, returned prompt-major
    /// (prompt i, sample j at row i·G + j). The same <paramref name="seed"/>, weights and prompts give the same completions.
    /// </summary>
    SampledCompletions Generate(MultimodalBatch prompts, int samplesPerPrompt, SamplingSettings settings, long seed, CancellationToken cancellationToken = default);

    /// <summary>A copy with the same weights, frozen (no gradients, eval mode): the KL reference.</summary>
    IPolicyModel CreateFrozenCopy();

    /// <summary>
    /// The KL reference: the policy as it is now, frozen. By default a <see cref="CreateFrozenCopy"/>; a policy trained
    /// through an adapter (LoRA) returns a view of its own base with the adapter switched off, so no second copy of the
    /// model is held. The trainer disposes what it gets (a view's disposal leaves the policy alone).
    /// </summary>
    IPolicyModel CreateReference() => CreateFrozenCopy();

    /// <summary>
    /// The number of token ids the model scores (its LM head's rows), or null when unknown: ids a remote rollout server answers must
    /// lie below it.
    /// </summary>
    int? VocabularySize => null;

    /// <summary>Writes the weights (and whatever else is needed to load them again) into <paramref name="directory"/>.</summary>
    void SaveWeights(string directory);

    /// <summary>Loads weights written by <see cref="SaveWeights"/> into this model, in place.</summary>
    void LoadWeights(string directory);
}
