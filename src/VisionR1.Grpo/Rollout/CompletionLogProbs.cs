using VisionR1.Grpo.Policies;
using VisionR1.Inputs;
using static TorchSharp.torch;

namespace VisionR1.Grpo.Rollout;

/// <summary>Log-probabilities of given completions under a model: prompt and completion run as one sequence.</summary>
public static class CompletionLogProbs
{
    /// <summary>
    /// For prompts (m) and their completions (m, L) with mask (m, L), returns per-token log-probs (m, L) at
    /// <paramref name="temperature"/> on the model's device (with a graph unless called under no_grad), and the
    /// per-token entropies when asked.
    /// </summary>
    public static PolicyLogProbs Compute(IPolicyModel model, IPromptEncoder encoder, IReadOnlyList<GrpoPrompt> prompts,
        Tensor completionIds, Tensor completionMask, double temperature, bool withEntropy = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(encoder);
        if (completionIds.shape[0] != prompts.Count)
            throw new ArgumentException($"{prompts.Count} prompts but {completionIds.shape[0]} completions.", nameof(completionIds));
        using var scope = NewDisposeScope();
        var device = DeviceOf(model);
        using var encoded = encoder.Encode(prompts);
        var promptBatch = encoded.To(device);
        var ids = completionIds.to(device).to_type(ScalarType.Int64);
        var mask = completionMask.to(device).to_type(promptBatch.AttentionMask.dtype);
        var full = new MultimodalBatch(
            cat([promptBatch.InputIds.to_type(ScalarType.Int64), ids], 1),
            cat([promptBatch.AttentionMask, mask], 1),
            promptBatch.PixelValues,
            promptBatch.ImageGridThw);
        var result = model.LogProbsOfLastTokens(full, (int)ids.shape[1], temperature, withEntropy);
        result.LogProbs.MoveToOuterDisposeScope();
        result.Entropy?.MoveToOuterDisposeScope();
        return result;
    }

    /// <summary>The device of a model's first parameter (CPU for a model without parameters).</summary>
    public static Device DeviceOf(IPolicyModel model) =>
        model.Module.parameters().FirstOrDefault()?.device ?? CPU;
}
