using TorchSharp.Modules;
using VisionR1.Grpo.Policies;
using static TorchSharp.torch;

namespace VisionR1.Grpo.Training;

/// <summary>What both trainers do before the first step: frozen parameters, optimizer.</summary>
internal static class TrainingSetup
{
    /// <summary>Freezes everything outside the trainable set and returns that set.</summary>
    public static IReadOnlyList<Parameter> PrepareParameters(IPolicyModel policy, bool freezeVisionTower)
    {
        var trainable = policy.TrainableParameters(freezeVisionTower);
        if (trainable.Count == 0) throw new InvalidOperationException("The policy has no trainable parameters.");
        var keep = new HashSet<Parameter>(trainable, ReferenceEqualityComparer.Instance);
        foreach (var p in policy.Module.parameters())
            if (!keep.Contains(p)) p.requires_grad = false;
        foreach (var p in trainable) p.requires_grad = true;
        return trainable;
    }

    public static AdamWOptimizer CreateOptimizer(IReadOnlyList<Parameter> parameters, double learningRate, AdamWOptions o) =>
        new(parameters, learningRate, o);

    /// <summary>The global gradient norm before clipping; clips to <paramref name="maxNorm"/> when it is &gt; 0.</summary>
    public static double ClipGradients(IReadOnlyList<Parameter> parameters, double maxNorm) =>
        GradientClipping.ClipGlobalNorm(parameters, maxNorm);
}
