using static TorchSharp.torch;

namespace VisionR1.Grpo.Checkpoints;

/// <summary>
/// The complete state of an AdamW optimizer as a checkpoint stores it (<see cref="AdamWStateFile"/>): the step count,
/// the learning rate, the hyper-parameters and, per parameter in the optimizer's fixed order, its moments, its fp32
/// master copy (for bf16/fp16 parameters) and its own step count. Parameters that have not stepped have no entry (null).
/// The tensors belong to whoever holds this object: <see cref="AdamWStateFile.Read"/> hands freshly read tensors over;
/// a snapshot for writing borrows the optimizer's own.
/// </summary>
/// <param name="StepCount">Completed optimizer steps.</param>
/// <param name="LearningRate">The learning rate of the next step.</param>
/// <param name="Options">β₁, β₂, ε and weight decay (recorded for reference; a resume keeps the run's own).</param>
/// <param name="Parameters">Per parameter, its state, or null before its first step.</param>
public sealed record AdamWState(long StepCount, double LearningRate, AdamWHyperParameters Options, IReadOnlyList<AdamWParameterState?> Parameters);

/// <summary>The state of one parameter: its step count, the first and second moments and, for bf16/fp16 parameters, the fp32 master copy.</summary>
/// <param name="Step">How many updates the parameter has had.</param>
/// <param name="ExpAvg">The first moment.</param>
/// <param name="ExpAvgSq">The second moment.</param>
/// <param name="Master">The fp32 master copy, or null for fp32/fp64 parameters (updated in place).</param>
public sealed record AdamWParameterState(long Step, Tensor ExpAvg, Tensor ExpAvgSq, Tensor? Master);

/// <summary>AdamW's hyper-parameters as recorded in the state file.</summary>
/// <param name="Beta1">β₁.</param>
/// <param name="Beta2">β₂.</param>
/// <param name="Epsilon">ε.</param>
/// <param name="WeightDecay">The decoupled weight decay.</param>
public sealed record AdamWHyperParameters(double Beta1, double Beta2, double Epsilon, double WeightDecay);

/// <summary>What <see cref="AdamWStateFile.Read"/> expects of one parameter's state.</summary>
/// <param name="Shape">The parameter's shape (moments and master copy have it too).</param>
/// <param name="StateType">The dtype of its moments: fp32 for bf16/fp16 parameters, else the parameter's own.</param>
/// <param name="HasMaster">Whether an fp32 master copy belongs to it.</param>
/// <param name="Device">Where its state tensors live.</param>
public sealed record AdamWParameterLayout(long[] Shape, ScalarType StateType, bool HasMaster, Device Device);
