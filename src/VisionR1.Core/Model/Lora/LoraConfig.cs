namespace VisionR1.Model.Lora;

/// <summary>
/// A LoRA adapter's shape, in PEFT's terms (<c>LoraConfig</c>): each targeted linear layer y = x Wᵀ + b becomes
/// y = x Wᵀ + b + (α / r) · dropout(x) Aᵀ Bᵀ with A [r, in] and B [out, r]. A starts uniform in ±1/√in (PEFT's
/// <c>kaiming_uniform_(a=√5)</c>), B at zero, so a new adapter leaves the model's outputs unchanged.
/// </summary>
/// <remarks>
/// Only the language model's linear layers (<c>model.layers.*</c>) are adapted. A layer is targeted when its name equals an
/// entry of <see cref="TargetModules"/> or ends with "." + the entry (PEFT's rule for a list), e.g. <c>q_proj</c> targets
/// <c>model.layers.3.self_attn.q_proj</c>; <see cref="AllLinear"/> targets every linear layer of the language model. The LM
/// head is never adapted (PEFT's <c>all-linear</c> leaves the output layer out too).
/// </remarks>
public sealed record LoraConfig
{
    /// <summary>The <see cref="TargetModules"/> entry that targets every linear layer of the language model (PEFT's shorthand).</summary>
    public const string AllLinear = "all-linear";

    /// <summary>Rank r (PEFT's <c>r</c>, default 8).</summary>
    public int Rank { get; init; } = 8;

    /// <summary>α (PEFT's <c>lora_alpha</c>, default 8); the update is scaled by α / r.</summary>
    public double Alpha { get; init; } = 8;

    /// <summary>Dropout on the adapter's input in training mode (PEFT's <c>lora_dropout</c>, default 0).</summary>
    public double Dropout { get; init; }

    /// <summary>Layer names or name suffixes to adapt (PEFT's <c>target_modules</c>); PEFT's default for Qwen2 is q_proj and v_proj.</summary>
    public IReadOnlyList<string> TargetModules { get; init; } = ["q_proj", "v_proj"];

    /// <summary>α / r, the factor on B·A.</summary>
    public double Scaling => Alpha / Rank;

    /// <summary>Checks the values.</summary>
    /// <exception cref="ArgumentException">A value is out of range; the message names it.</exception>
    public void Validate()
    {
        if (Rank < 1) throw new ArgumentException($"LoRA rank (r) must be at least 1, got {Rank}.");
        if (!(Alpha > 0) || double.IsInfinity(Alpha)) throw new ArgumentException($"LoRA alpha (lora_alpha) must be a positive number, got {Alpha}.");
        if (!(Dropout >= 0 && Dropout < 1)) throw new ArgumentException($"LoRA dropout (lora_dropout) must be in [0, 1), got {Dropout}.");
        if (TargetModules is null || TargetModules.Count == 0) throw new ArgumentException("LoRA target_modules is empty: name at least one layer (e.g. q_proj) or all-linear.");
        var blank = TargetModules.FirstOrDefault(string.IsNullOrWhiteSpace);
        if (blank is not null) throw new ArgumentException("LoRA target_modules has an empty entry.");
    }

    /// <summary>Whether the language-model layer <paramref name="name"/> (e.g. <c>model.layers.0.self_attn.q_proj</c>) is targeted.</summary>
    public bool Targets(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return TargetModules.Any(t => t == AllLinear || name == t || name.EndsWith("." + t, StringComparison.Ordinal));
    }
}
