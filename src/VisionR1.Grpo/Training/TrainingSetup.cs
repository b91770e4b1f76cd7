using TorchSharp.Modules;
using VisionR1.Grpo.Policies;
using VisionR1.Model;
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

    /// <summary>
    /// Stops a run at the first non-finite loss or gradient norm, before the optimizer step, so the weights and the last
    /// checkpoint stay as they were.
    /// </summary>
    /// <exception cref="NonFiniteTrainingException">The loss or the gradient norm is NaN or infinite.</exception>
    public static void EnsureFinite(string trainer, long step, double loss, double gradNorm, Checkpoints.CheckpointInfo? lastCheckpoint)
    {
        if (double.IsFinite(loss) && double.IsFinite(gradNorm)) return;
        throw new NonFiniteTrainingException(step, loss, gradNorm, lastCheckpoint?.Directory,
            $"{trainer} step {step}: the loss is {loss} and the gradient norm {gradNorm}; training stopped before the update. "
            + (lastCheckpoint is { } c ? $"The last good checkpoint is {c.Directory} (step {c.Step}); " : "No checkpoint was written yet; ")
            + "lower the learning rate, check the data, or try fp32.");
    }

    /// <summary>
    /// How many of a step's <paramref name="microBatches"/> run side by side (<see cref="MicroBatchBackward"/>): at most
    /// <paramref name="concurrent"/> and libtorch's thread count, and 1 where the policy's training passes draw random numbers
    /// (LoRA dropout), whose order would then depend on thread timing.
    /// </summary>
    public static int MicroBatchWorkers(IPolicyModel policy, int microBatches, int concurrent)
    {
        if (concurrent <= 1 || microBatches <= 1) return 1;
        if (policy.Module is QwenVLModel model && Model.Lora.LoraAdapters.DrawsInTraining(model)) return 1;
        return VisionR1.Runtime.TensorWorkers.Concurrency(microBatches, concurrent);
    }

    /// <summary>The global gradient norm before clipping; clips to <paramref name="maxNorm"/> when it is &gt; 0.</summary>
    public static double ClipGradients(IReadOnlyList<Parameter> parameters, double maxNorm) =>
        GradientClipping.ClipGlobalNorm(parameters, maxNorm);
}
