using TorchSharp;
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

    public static AdamW CreateOptimizer(IReadOnlyList<Parameter> parameters, double learningRate, AdamWOptions o) =>
        optim.AdamW(parameters, lr: learningRate, beta1: o.Beta1, beta2: o.Beta2, eps: o.Epsilon, weight_decay: o.WeightDecay);

    public static void SetLearningRate(AdamW optimizer, double lr)
    {
        foreach (var g in optimizer.ParamGroups) g.LearningRate = lr;
    }

    public static double ClipGradients(IReadOnlyList<Parameter> parameters, double maxNorm) =>
        maxNorm > 0 ? nn.utils.clip_grad_norm_(parameters, maxNorm) : GradNorm(parameters);

    private static double GradNorm(IReadOnlyList<Parameter> parameters)
    {
        using var scope = NewDisposeScope();
        double sq = 0;
        foreach (var p in parameters)
            if (p.grad is { } g) sq += g.to_type(ScalarType.Float64).pow(2).sum().item<double>();
        return Math.Sqrt(sq);
    }
}
