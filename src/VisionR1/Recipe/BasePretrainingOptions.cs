using System.Text.Json.Serialization;
using VisionR1.Data.Synthetic;
using VisionR1.Grpo.Training;
using VisionR1.Model;
using static TorchSharp.torch;

namespace VisionR1.Recipe;

/// <summary>
/// What <see cref="BasePretraining"/> trains: the synthetic world (its seed is the world's, the tokenizer's and the base's, never
/// the recipe's), the model preset, the pre-training mix and its SFT settings. The sizes have no library default: the embedded
/// run's measured choices live with the caller (the sample's PipelineOptions), so that `vr1 pretrain` and `vr1 pipeline` build
/// the same base. Recorded whole in the base's provenance (<see cref="BaseProvenance.Options"/>), which is how a base is rebuilt.
/// </summary>
public sealed record BasePretrainingOptions
{
    /// <summary>The world's settings; <see cref="SyntheticWorldOptions.Seed"/> also seeds the tokenizer corpus, the initial weights, the mix and the SFT order.</summary>
    public required SyntheticWorldOptions World { get; init; }

    /// <summary>Training problems rendered; the pre-training mix is built from these only.</summary>
    public required int TrainItems { get; init; }

    /// <summary>Held-out problems rendered next to them (never in the mix; <see cref="BasePretraining.AssertHeldOut"/>).</summary>
    public required int TestItems { get; init; }

    /// <summary>Share of held-out problems that combine two or more facts (<see cref="SyntheticWorldOptions.MultiStepShare"/> of the test split); the train split keeps the natural mix.</summary>
    public double TestMultiStepShare { get; init; } = 0.8;

    /// <summary>
    /// The family of the model trained from scratch (Qwen2.5-VL by default); its images go through the family's released image
    /// processor (<see cref="QwenVLFamilies.ImageGeometry"/>). Not written to the provenance for Qwen2.5-VL, so a base's
    /// provenance reads the same as before the family was an option.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public QwenVLFamily Family { get; init; }

    /// <summary>
    /// The model preset trained from scratch, one of <see cref="Family"/>'s (<see cref="Model.Config.Qwen25VLPresets.ByName"/> or
    /// <see cref="Model.Qwen3VL.Qwen3VLPresets.ByName"/>).
    /// </summary>
    public string Preset { get; init; } = "small";

    /// <summary>Share of training problems that also get a worked solution in the mix (<see cref="SyntheticPretraining.WorkedShare"/>).</summary>
    public double WorkedShare { get; init; }

    /// <summary>Text-only arithmetic practice texts in the mix (<see cref="SyntheticPretraining.ArithmeticTexts"/>).</summary>
    public int ArithmeticTexts { get; init; }

    /// <summary>The SFT settings of pre-training (the vision tower must be trained: from scratch it must learn to see); their seed is replaced by the world's.</summary>
    public required SftOptions Sft { get; init; }

    /// <summary>"cpu" or "cuda[:N]".</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>The precision the base is trained and saved in.</summary>
    public ScalarType DType { get; init; } = ScalarType.BFloat16;

    /// <summary>Who asked for the base (a command line or a caller's description), recorded in the provenance; null for this process's command line.</summary>
    public string? Caller { get; init; }

    /// <summary>The seed of everything the base depends on: the world's.</summary>
    [JsonIgnore]
    public long Seed => World.Seed;

    /// <summary>The pre-training mix over the world's training split: captions, direct answers, worked solutions and arithmetic texts (<see cref="SyntheticPretraining"/>).</summary>
    public SyntheticPretraining Mix() => new(SyntheticPrompts.Describe, SyntheticPrompts.Direct, SyntheticPrompts.Question)
    {
        WorkedShare = WorkedShare, ArithmeticTexts = ArithmeticTexts, MaxValue = SyntheticPretraining.MaxValueOf(World.Difficulty), Seed = Seed,
    };
}
