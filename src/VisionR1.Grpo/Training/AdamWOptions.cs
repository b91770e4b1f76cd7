namespace VisionR1.Grpo.Training;

/// <summary>AdamW's hyper-parameters besides the learning rate.</summary>
/// <param name="Beta1">First-moment decay (0.9, PyTorch's default).</param>
/// <param name="Beta2">Second-moment decay (0.999, PyTorch's default).</param>
/// <param name="Epsilon">Denominator term (1e-8).</param>
/// <param name="WeightDecay">Decoupled weight decay (0, as TRL's and the Vision-R1 SFT config's default).</param>
public sealed record AdamWOptions(double Beta1 = 0.9, double Beta2 = 0.999, double Epsilon = 1e-8, double WeightDecay = 0.0);
