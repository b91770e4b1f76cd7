using TorchSharp;
using TorchSharp.Modules;
using VisionR1.Grpo.Training;
using VisionR1.Runtime;
using static TorchSharp.torch;

namespace VisionR1.Tests.Grpo;

public sealed class AdamWOptimizerTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vr1-adamw-" + Guid.NewGuid().ToString("N"));

    public AdamWOptimizerTests()
    {
        VisionR1Runtime.Initialize("cpu", threads: 1);
        Directory.CreateDirectory(_dir);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static readonly long[][] Shapes = [[4, 3], [5], [2, 2, 3]];

    private static Parameter[] MakeParameters(int seed, ScalarType dtype, double scale = 1.0)
    {
        using var g = new Generator((ulong)seed);
        return Shapes.Select(s =>
        {
            using var t = randn(s, generator: g) * scale;
            return new Parameter(t.to_type(dtype), requires_grad: true);
        }).ToArray();
    }

    private static Parameter[] Copy(IEnumerable<Parameter> ps, ScalarType? dtype = null) =>
        ps.Select(p => new Parameter(p.detach().to_type(dtype ?? p.dtype, copy: true), requires_grad: true)).ToArray();

    /// <summary>Gradients for step <paramref name="step"/>, the same for every call; given in <paramref name="dtype"/>.</summary>
    private static void SetGradients(IReadOnlyList<Parameter> ps, int step, ScalarType dtype, double scale = 1.0)
    {
        using var g = new Generator((ulong)(1000 + step));
        foreach (var p in ps)
        {
            using var grad = randn(p.shape, generator: g) * scale;
            using var cast = grad.to_type(dtype);
            p.grad = cast.to_type(p.dtype); // same values for every parameter dtype that holds them exactly
        }
    }

    private static double MaxAbsDiff(IReadOnlyList<Tensor> a, IReadOnlyList<Tensor> b) =>
        a.Zip(b).Max(t =>
        {
            using var d = (t.First.to_type(ScalarType.Float64) - t.Second.to_type(ScalarType.Float64)).abs().max();
            return d.item<double>();
        });

    private static bool BitEqual(IReadOnlyList<Tensor> a, IReadOnlyList<Tensor> b) =>
        a.Zip(b).All(t => t.First.dtype == t.Second.dtype && t.First.eq(t.Second).all().item<bool>());

    [Fact]
    public void Fp32_updates_match_torchsharp_adamw_over_ten_steps_with_weight_decay_and_a_changing_learning_rate()
    {
        using var scope = NewDisposeScope();
        var ours = MakeParameters(1, ScalarType.Float32);
        var theirs = Copy(ours);
        var options = new AdamWOptions(Beta1: 0.9, Beta2: 0.95, Epsilon: 1e-8, WeightDecay: 0.1);
        using var adam = new AdamWOptimizer(ours, 1e-2, options);
        using var reference = optim.AdamW(theirs, lr: 1e-2, beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0.1);
        for (int step = 0; step < 10; step++)
        {
            double lr = 1e-2 * (1 - 0.05 * step);
            adam.LearningRate = lr;
            foreach (var g in reference.ParamGroups) g.LearningRate = lr;
            SetGradients(ours, step, ScalarType.Float32);
            SetGradients(theirs, step, ScalarType.Float32);
            adam.Step();
            reference.step();
        }
        var before = MakeParameters(1, ScalarType.Float32);
        Assert.True(MaxAbsDiff(ours, before) > 1e-2, "the parameters did not move");
        Assert.True(MaxAbsDiff(ours, theirs) <= 1e-6, $"max |diff| = {MaxAbsDiff(ours, theirs)}");
        Assert.Equal(10, adam.StepCount);
        Assert.Equal(10, adam.ParameterStep(2));
    }

    [Fact]
    public void Bf16_parameters_follow_the_fp32_trajectory_through_master_weights_where_a_plain_bf16_update_rounds_away()
    {
        using var scope = NewDisposeScope();
        // Weights around 0.05 (bf16 ulp 2^-12 ≈ 2.4e-4): an Adam step of lr = 1e-4 is below half an ulp.
        var bf16 = MakeParameters(2, ScalarType.BFloat16, scale: 0.01).Select(p => new Parameter((p.detach() + 0.05).to_type(ScalarType.BFloat16), true)).ToArray();
        var initial = bf16.Select(p => p.detach().clone()).ToArray();
        var fp32 = Copy(bf16, ScalarType.Float32);
        var naive = Copy(bf16);
        using var adam = new AdamWOptimizer(bf16, 1e-4);
        using var reference = new AdamWOptimizer(fp32, 1e-4);
        using var plain = optim.AdamW(naive, lr: 1e-4, weight_decay: 0);
        Assert.True(adam.HasMasterWeights(0));
        Assert.False(reference.HasMasterWeights(0));
        for (int step = 0; step < 10; step++)
        {
            SetGradients(bf16, step, ScalarType.BFloat16);
            SetGradients(fp32, step, ScalarType.BFloat16);
            SetGradients(naive, step, ScalarType.BFloat16);
            adam.Step();
            reference.Step();
            plain.step();
            var rounded = fp32.Select(p => p.detach().to_type(ScalarType.BFloat16)).ToArray();
            Assert.True(BitEqual(bf16, rounded), $"step {step + 1}: the bf16 parameters differ from the rounded fp32 trajectory");
        }
        // The fp32 trajectory moved the weights by ~1e-3, several bf16 ulps: the master-weight parameters moved with it ...
        Assert.True(MaxAbsDiff(bf16, initial) >= 4.8e-4, $"bf16 parameters moved only {MaxAbsDiff(bf16, initial)}");
        // ... while the update done in bf16 itself rounded every step away and left the weights where they were.
        Assert.True(BitEqual(naive, initial), "the plain bf16 AdamW changed the weights; the premise of the test does not hold");
    }

    private (Parameter[] Params, AdamWOptimizer Adam) Run(int seed, ScalarType dtype, int steps, int firstStep = 0, string? loadFrom = null, Parameter[]? start = null)
    {
        var ps = start is null ? MakeParameters(seed, dtype, 0.05) : Copy(start);
        var adam = new AdamWOptimizer(ps, 3e-3, new AdamWOptions(WeightDecay: 0.01));
        if (loadFrom is not null) adam.Load(loadFrom);
        for (int step = firstStep; step < firstStep + steps; step++)
        {
            adam.LearningRate = 3e-3 / (1 + step);
            SetGradients(ps, step, ScalarType.BFloat16);
            adam.Step();
        }
        return (ps, adam);
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    public void Save_and_load_resume_bit_identically(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(_dir, "optimizer.safetensors");
        var (straight, straightAdam) = Run(3, dtype, 6);
        var (half, halfAdam) = Run(3, dtype, 3);
        halfAdam.Save(path);
        Assert.False(File.Exists(path + ".tmp"));
        var (resumed, resumedAdam) = Run(3, dtype, 3, firstStep: 3, loadFrom: path, start: half);
        try
        {
            Assert.True(BitEqual(straight, resumed), "the resumed run differs from the straight one");
            Assert.Equal(6, resumedAdam.StepCount);
            Assert.Equal(6, resumedAdam.ParameterStep(1));
            // Without the state the same three steps land elsewhere (the test can fail).
            var (fresh, freshAdam) = Run(3, dtype, 3, firstStep: 3, start: half);
            using (freshAdam) Assert.False(BitEqual(straight, fresh));
        }
        finally
        {
            straightAdam.Dispose();
            halfAdam.Dispose();
            resumedAdam.Dispose();
        }
    }

    [Fact]
    public void Load_names_the_file_and_the_tensor_when_state_is_missing_or_does_not_fit()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(_dir, "opt.safetensors");
        var (_, adam) = Run(4, ScalarType.BFloat16, 1);
        using (adam) adam.Save(path);

        // A parameter of another shape.
        var other = MakeParameters(4, ScalarType.BFloat16);
        other[1] = new Parameter(zeros(6, dtype: ScalarType.BFloat16), true);
        using (var wrong = new AdamWOptimizer(other, 1e-3))
        {
            var e = Assert.Throws<InvalidDataException>(() => wrong.Load(path));
            Assert.Contains(path, e.Message);
            Assert.Contains("'1.exp_avg'", e.Message);
        }
        // Fewer parameters.
        using (var fewer = new AdamWOptimizer(MakeParameters(4, ScalarType.BFloat16).Take(2).ToArray(), 1e-3))
            Assert.Contains("3 parameters", Assert.Throws<InvalidDataException>(() => fewer.Load(path)).Message);
        // A missing master copy.
        var stripped = Path.Combine(_dir, "stripped.safetensors");
        using (var file = VisionR1.Model.Checkpoints.SafetensorsFile.Open(path))
        {
            var kept = file.Entries.Keys.Where(k => k != "2.master").Select(k => new KeyValuePair<string, Tensor>(k, file.Read(k))).ToList();
            VisionR1.Model.Checkpoints.SafetensorsFile.Write(stripped, kept, file.Metadata);
        }
        using (var target = new AdamWOptimizer(MakeParameters(4, ScalarType.BFloat16), 1e-3))
        {
            var e = Assert.Throws<InvalidDataException>(() => target.Load(stripped));
            Assert.Contains(stripped, e.Message);
            Assert.Contains("'2.master'", e.Message);
            Assert.Equal(0, target.StepCount); // nothing was replaced
        }
        using (var target = new AdamWOptimizer(MakeParameters(4, ScalarType.BFloat16), 1e-3))
            Assert.Contains(Path.Combine(_dir, "none.safetensors"), Assert.Throws<InvalidDataException>(() => target.Load(Path.Combine(_dir, "none.safetensors"))).Message);
    }

    [Fact]
    public void ZeroGrad_drops_gradients_and_parameters_without_gradient_are_skipped()
    {
        using var scope = NewDisposeScope();
        var ps = MakeParameters(5, ScalarType.Float32);
        using var adam = new AdamWOptimizer(ps, 1e-2);
        SetGradients(ps, 0, ScalarType.Float32);
        adam.ZeroGrad();
        Assert.All(ps, p => Assert.Null(p.grad));
        var before = ps.Select(p => p.detach().clone()).ToArray();
        ps[0].grad = ones_like(ps[0]);
        adam.Step();
        Assert.Equal(1, adam.ParameterStep(0));
        Assert.Equal(0, adam.ParameterStep(1));
        Assert.False(BitEqual(ps.Take(1).ToArray(), before.Take(1).ToArray()));
        Assert.True(BitEqual(ps.Skip(1).ToArray(), before.Skip(1).ToArray()));
    }

    [Fact]
    public void Global_norm_clip_matches_torchsharp_clip_grad_norm_and_returns_the_norm_before_clipping()
    {
        using var scope = NewDisposeScope();
        var ours = MakeParameters(6, ScalarType.Float32);
        var theirs = Copy(ours);
        SetGradients(ours, 0, ScalarType.Float32, scale: 3);
        SetGradients(theirs, 0, ScalarType.Float32, scale: 3);
        double norm = GradientClipping.ClipGlobalNorm(ours, 1.0);
        double expected = nn.utils.clip_grad_norm_(theirs, 1.0);
        Assert.Equal(expected, norm, 4);
        Assert.True(norm > 1.0);
        Assert.True(MaxAbsDiff(ours.Select(p => p.grad!).ToArray(), theirs.Select(p => p.grad!).ToArray()) <= 1e-6);
        // Under the limit nothing changes; maxNorm 0 only measures.
        var grads = ours.Select(p => p.grad!.clone()).ToArray();
        Assert.Equal(1.0, GradientClipping.ClipGlobalNorm(ours, 10.0), 4);
        Assert.Equal(1.0, GradientClipping.ClipGlobalNorm(ours, 0), 4);
        Assert.True(BitEqual(ours.Select(p => p.grad!).ToArray(), grads));
    }
}
