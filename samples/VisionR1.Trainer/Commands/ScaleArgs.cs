using System.Globalization;
using VisionR1.Grpo.Policies;
using VisionR1.Model;
using VisionR1.Model.Lora;
using VisionR1.Trainer.Cli;

namespace VisionR1.Trainer.Commands;

/// <summary>
/// The scale options `vr1 sft` and `vr1 grpo` share: a LoRA adapter (--lora-r, --lora-alpha, --lora-dropout,
/// --lora-targets) and gradient checkpointing (--checkpointing none|text|vision|all).
/// </summary>
/// <param name="Lora">The adapter to attach, or null for full fine-tuning.</param>
/// <param name="Checkpointing">Which layers recompute activations in backward.</param>
public sealed record ScaleArgs(LoraConfig? Lora, GradientCheckpointing Checkpointing)
{
    /// <summary>The usage lines of the options.</summary>
    public const string Usage =
        "         [--lora-r R [--lora-alpha 2R] [--lora-dropout 0] [--lora-targets q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj|all-linear]]\n" +
        "         [--checkpointing none|text|vision|all]\n" +
        "  --lora-r trains a LoRA adapter on the language model instead of every weight (checkpoints and OUT/final then hold the\n" +
        "  adapter in PEFT's layout; the KL reference is the base with the adapter off).\n";

    /// <summary>Reads the options (call before <see cref="CliArgs.ThrowOnUnknown"/>).</summary>
    public static ScaleArgs Read(CliArgs args)
    {
        ArgumentNullException.ThrowIfNull(args);
        int rank = args.GetInt("lora-r", 0);
        LoraConfig? lora = null;
        if (rank > 0)
        {
            lora = new LoraConfig
            {
                Rank = rank,
                Alpha = args.GetDouble("lora-alpha", 2.0 * rank),
                Dropout = args.GetDouble("lora-dropout", 0),
                TargetModules = (args.Get("lora-targets") ?? "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj")
                    .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            };
            try
            {
                lora.Validate();
            }
            catch (ArgumentException e)
            {
                throw new CliUsageException(e.Message);
            }
        }
        var checkpointing = (args.Get("checkpointing") ?? "none") switch
        {
            "none" => GradientCheckpointing.None,
            "text" => GradientCheckpointing.TextLayers,
            "vision" => GradientCheckpointing.VisionBlocks,
            "all" => GradientCheckpointing.All,
            var other => throw new CliUsageException($"--checkpointing must be none, text, vision or all, got '{other}'."),
        };
        return new ScaleArgs(lora, checkpointing);
    }

    /// <summary>Sets checkpointing and attaches the adapter (seeded by <paramref name="seed"/>) to a freshly loaded policy.</summary>
    public void Apply(QwenPolicy policy, long seed, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(log);
        policy.Model.GradientCheckpointing = Checkpointing;
        if (Lora is null) return;
        var adapter = policy.AttachLora(Lora, seed);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"lora: r={Lora.Rank}, alpha={Lora.Alpha}, {adapter.LayerNames.Count} layers, {adapter.ParameterCount:N0} trainable parameters"));
    }
}
