using TorchSharp.Modules;
using VisionR1.Inputs;
using VisionR1.Model.Lora;
using static TorchSharp.torch;

namespace VisionR1.Grpo.Policies;

/// <summary>
/// The KL reference of a policy trained through a LoRA adapter: the same model, computed with the adapter switched off
/// (the frozen base), so the reference costs no memory beyond its activations. Log-probabilities are computed without
/// gradient; disposing the view leaves the policy and its adapter alone.
/// </summary>
internal sealed class AdapterOffReference(QwenPolicy policy, LoraAdapters adapter) : IPolicyModel
{
    public nn.Module Module => policy.Module;

    public IReadOnlyList<Parameter> TrainableParameters(bool freezeVisionTower) => [];

    public PolicyLogProbs LogProbsOfLastTokens(MultimodalBatch sequences, int count, double temperature = 1.0, bool withEntropy = false)
    {
        using var off = adapter.Disable();
        using var _ = no_grad();
        return policy.LogProbsOfLastTokens(sequences, count, temperature, withEntropy);
    }

    public SampledCompletions Generate(MultimodalBatch prompts, int samplesPerPrompt, SamplingSettings settings, long seed, CancellationToken cancellationToken = default)
    {
        using var off = adapter.Disable();
        return policy.Generate(prompts, samplesPerPrompt, settings, seed, cancellationToken);
    }

    public IPolicyModel CreateFrozenCopy()
    {
        using var off = adapter.Disable();
        return policy.CreateFrozenCopy();
    }

    public void SaveWeights(string directory) =>
        throw new NotSupportedException("The adapter-off reference is a view of the policy's base; save the policy instead.");

    public void LoadWeights(string directory) =>
        throw new NotSupportedException("The adapter-off reference is a view of the policy's base; load into the policy instead.");

    public void Dispose()
    {
    }
}
