using TorchSharp;
using TorchSharp.Modules;
using VisionR1.Grpo.Checkpoints;
using static TorchSharp.torch;

namespace VisionR1.Grpo.Training;

/// <summary>
/// AdamW with decoupled weight decay and bias correction (the update of <c>torch.optim.AdamW</c>, amsgrad off),
/// written so that no native <see cref="Scalar"/> can be freed while libtorch reads it (see
/// <see cref="VisionR1.Runtime.Scalars"/>: TorchSharp's own <c>optim.AdamW</c> passes temporary scalars such as
/// <c>1 - beta1</c> to native code on every parameter of every step). Parameters stored in bf16 or fp16 get
/// fp32 master weights and fp32 moments: the update is computed on the master copy and copied back into the
/// parameter, so updates smaller than half a bf16 ulp accumulate instead of being rounded away. fp32 and fp64
/// parameters are updated in place.
/// </summary>
/// <remarks>
/// Per parameter with a gradient g, at its step t: w ← w·(1 − lr·wd); m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²;
/// w ← w − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε). Parameters without a gradient are skipped and keep their
/// step count, as in PyTorch. State is created at a parameter's first step. Modifying a bf16 parameter outside the
/// optimizer after its first step needs <see cref="ResetMasterWeights"/>, or the next step overwrites the change.
/// </remarks>
public sealed class AdamWOptimizer : IDisposable
{
    private readonly Parameter[] _parameters;
    private readonly ParameterState?[] _state;
    private readonly Scalar _beta1, _oneMinusBeta1, _beta2, _oneMinusBeta2, _one;
    private double _learningRate;
    private bool _disposed;

    /// <summary>Creates the optimizer over <paramref name="parameters"/> (in a fixed order: saved state is matched by position).</summary>
    /// <exception cref="ArgumentException">No parameters, a repeated parameter, a non-floating parameter or invalid hyper-parameters.</exception>
    public AdamWOptimizer(IReadOnlyList<Parameter> parameters, double learningRate, AdamWOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Count == 0) throw new ArgumentException("AdamW needs at least one parameter.", nameof(parameters));
        if (parameters.Distinct(ReferenceEqualityComparer.Instance).Count() != parameters.Count)
            throw new ArgumentException("A parameter appears twice in the AdamW parameter list.", nameof(parameters));
        for (int i = 0; i < parameters.Count; i++)
            if (!parameters[i].is_floating_point())
                throw new ArgumentException($"Parameter {i} has dtype {parameters[i].dtype}; AdamW needs floating-point parameters.", nameof(parameters));
        Options = options ?? new AdamWOptions();
        Validate(learningRate, Options);
        _parameters = parameters.ToArray();
        _state = new ParameterState?[_parameters.Length];
        _learningRate = learningRate;
        _beta1 = Options.Beta1.ToScalar();
        _oneMinusBeta1 = (1 - Options.Beta1).ToScalar();
        _beta2 = Options.Beta2.ToScalar();
        _oneMinusBeta2 = (1 - Options.Beta2).ToScalar();
        _one = 1.ToScalar();
    }

    /// <summary>β₁, β₂, ε and weight decay.</summary>
    public AdamWOptions Options { get; }

    /// <summary>The parameters, in the order their state is saved.</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>Completed <see cref="Step"/> calls (restored by <see cref="Load"/>).</summary>
    public long StepCount { get; private set; }

    /// <summary>The learning rate used by the next <see cref="Step"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative or not finite.</exception>
    public double LearningRate
    {
        get => _learningRate;
        set
        {
            if (!(value >= 0) || double.IsInfinity(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "The learning rate must be finite and ≥ 0.");
            _learningRate = value;
        }
    }

    /// <summary>The step count of parameter <paramref name="index"/> (0 before its first update).</summary>
    public long ParameterStep(int index) => _state[index]?.Step ?? 0;

    /// <summary>Whether parameter <paramref name="index"/> is updated through an fp32 master copy.</summary>
    public bool HasMasterWeights(int index) => NeedsMaster(_parameters[index]);

    /// <summary>Drops every gradient (sets <c>grad</c> to none, as <c>zero_grad(set_to_none=True)</c>).</summary>
    public void ZeroGrad()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (var p in _parameters)
        {
            if (p.grad is not { } g) continue;
            p.grad = null;
            g.Dispose();
        }
    }

    /// <summary>Applies one AdamW update to every parameter that has a gradient.</summary>
    public void Step()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        double lr = _learningRate;
        using var decay = (1 - lr * Options.WeightDecay).ToScalar();
        // Per-step scalars depend on the parameter's own step count; nearly always one entry.
        var perStep = new Dictionary<long, (Scalar Epsilon, Scalar NegStepSize)>();
        try
        {
            for (int i = 0; i < _parameters.Length; i++)
            {
                var p = _parameters[i];
                if (p.grad is not { } grad) continue;
                var s = _state[i] ??= ParameterState.Create(p);
                s.Step++;
                if (!perStep.TryGetValue(s.Step, out var k))
                {
                    double bias1 = 1 - Math.Pow(Options.Beta1, s.Step);
                    double bias2 = 1 - Math.Pow(Options.Beta2, s.Step);
                    // m̂ / (√v̂ + ε) = √b₂ · m / (√v + ε·√b₂): the bias correction of v folds into ε and the step size,
                    // which saves one pass over the moments (the update is memory-bound).
                    k = ((Options.Epsilon * Math.Sqrt(bias2)).ToScalar(), (-(lr / bias1) * Math.Sqrt(bias2)).ToScalar());
                    perStep[s.Step] = k;
                }
                using var inner = NewDisposeScope();
                var w = s.Master ?? (Tensor)p;
                var g = s.Master is null ? grad : grad.to_type(ScalarType.Float32);
                w.mul_(decay);
                s.ExpAvg.mul_(_beta1).add_(g, _oneMinusBeta1);
                s.ExpAvgSq.mul_(_beta2).addcmul_(g, g, _oneMinusBeta2);
                var denom = s.ExpAvgSq.sqrt().add_(k.Epsilon, _one);
                w.addcdiv_(s.ExpAvg, denom, k.NegStepSize);
                if (s.Master is not null) p.copy_(s.Master);
            }
        }
        finally
        {
            foreach (var (a, b) in perStep.Values)
            {
                a.Dispose();
                b.Dispose();
            }
        }
        StepCount++;
    }

    /// <summary>
    /// Re-reads the fp32 master copies from the (bf16/fp16) parameters, for after the parameters were changed
    /// outside the optimizer. Moments and step counts are kept.
    /// </summary>
    public void ResetMasterWeights()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var noGrad = no_grad();
        for (int i = 0; i < _parameters.Length; i++)
            _state[i]?.Master?.copy_(_parameters[i]);
    }

    /// <summary>
    /// Writes the optimizer state to <paramref name="path"/> through <see cref="AdamWStateFile"/> (safetensors, atomically):
    /// moments, fp32 master weights of bf16/fp16 parameters, step counts and hyper-parameters.
    /// </summary>
    public void Save(string path)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        AdamWStateFile.Write(path, CaptureState());
    }

    /// <summary>
    /// Restores state written by <see cref="Save"/> for the same parameter list: moments, master weights, step
    /// counts and the learning rate. β₁, β₂, ε and weight decay stay this optimizer's own (the run's options).
    /// State is validated completely before anything is replaced.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is missing, not an optimizer state of this kind, or does not fit the parameters; the message names the file and the tensor.</exception>
    public void Load(string path)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var layout = _parameters.Select(p => new AdamWParameterLayout(p.shape, NeedsMaster(p) ? ScalarType.Float32 : p.dtype, NeedsMaster(p), p.device)).ToArray();
        RestoreState(AdamWStateFile.Read(path, layout));
    }

    /// <summary>The current state, borrowing this optimizer's tensors (valid until the next <see cref="Step"/>; do not dispose them).</summary>
    public AdamWState CaptureState()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new AdamWState(StepCount, _learningRate, new AdamWHyperParameters(Options.Beta1, Options.Beta2, Options.Epsilon, Options.WeightDecay),
            _state.Select(s => s is null ? null : new AdamWParameterState(s.Step, s.ExpAvg, s.ExpAvgSq, s.Master)).ToArray());
    }

    /// <summary>
    /// Takes over <paramref name="state"/> (its tensors become this optimizer's, shaped and typed as <see cref="AdamWStateFile.Read"/>
    /// checks): moments, master weights, step counts and the learning rate; β₁, β₂, ε and weight decay stay this optimizer's own.
    /// </summary>
    /// <exception cref="ArgumentException">The state is for another number of parameters.</exception>
    public void RestoreState(AdamWState state)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(state);
        if (state.Parameters.Count != _parameters.Length)
            throw new ArgumentException($"The state holds {state.Parameters.Count} parameters but this optimizer has {_parameters.Length}.", nameof(state));
        for (int i = 0; i < _state.Length; i++)
        {
            _state[i]?.Dispose();
            _state[i] = state.Parameters[i] is { } s ? new ParameterState(s.ExpAvg, s.ExpAvgSq, s.Master) { Step = s.Step } : null;
        }
        StepCount = state.StepCount;
        _learningRate = state.LearningRate;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var s in _state) s?.Dispose();
        Array.Clear(_state);
        _beta1.Dispose();
        _oneMinusBeta1.Dispose();
        _beta2.Dispose();
        _oneMinusBeta2.Dispose();
        _one.Dispose();
    }

    private static bool NeedsMaster(Tensor p) => p.dtype is ScalarType.BFloat16 or ScalarType.Float16;

    private static void Validate(double lr, AdamWOptions o)
    {
        if (!(lr >= 0) || double.IsInfinity(lr)) throw new ArgumentException($"The learning rate must be finite and ≥ 0, got {lr}.", nameof(lr));
        if (!(o.Beta1 >= 0 && o.Beta1 < 1)) throw new ArgumentException($"Beta1 must be in [0, 1), got {o.Beta1}.", nameof(o));
        if (!(o.Beta2 >= 0 && o.Beta2 < 1)) throw new ArgumentException($"Beta2 must be in [0, 1), got {o.Beta2}.", nameof(o));
        if (!(o.Epsilon >= 0) || double.IsInfinity(o.Epsilon)) throw new ArgumentException($"Epsilon must be finite and ≥ 0, got {o.Epsilon}.", nameof(o));
        if (!(o.WeightDecay >= 0) || double.IsInfinity(o.WeightDecay)) throw new ArgumentException($"WeightDecay must be finite and ≥ 0, got {o.WeightDecay}.", nameof(o));
    }

    /// <summary>Moments (and the fp32 master copy for bf16/fp16 parameters) of one parameter.</summary>
    private sealed class ParameterState(Tensor expAvg, Tensor expAvgSq, Tensor? master) : IDisposable
    {
        public Tensor ExpAvg { get; } = expAvg;
        public Tensor ExpAvgSq { get; } = expAvgSq;
        public Tensor? Master { get; } = master;
        public long Step { get; set; }

        public static ParameterState Create(Parameter p)
        {
            if (NeedsMaster(p))
            {
                var master = p.detach().to_type(ScalarType.Float32, copy: true).DetachFromDisposeScope();
                return new ParameterState(zeros_like(master).DetachFromDisposeScope(), zeros_like(master).DetachFromDisposeScope(), master);
            }
            return new ParameterState(zeros_like(p).DetachFromDisposeScope(), zeros_like(p).DetachFromDisposeScope(), null);
        }

        public void Dispose()
        {
            ExpAvg.Dispose();
            ExpAvgSq.Dispose();
            Master?.Dispose();
        }
    }
}
