using System.CommandLine;
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
    /// <summary>The options, declared once for the commands that hold them as a field; <see cref="Read"/> gives the <see cref="ScaleArgs"/>.</summary>
    public sealed class Group : ICliOptionGroup
    {
        private readonly Option<int> _rank = Opt.Int("--lora-r", 0, "Train a LoRA adapter of rank R on the language model instead of every weight (checkpoints and OUT/final " +
            "then hold the adapter in PEFT's layout; the KL reference is the base with the adapter off). 0: full fine-tuning.", "R");
        private readonly Option<double?> _alpha = Opt.OptionalNumber("--lora-alpha", "The adapter's scale numerator [default: 2R].", "ALPHA");
        private readonly Option<double> _dropout = Opt.Number("--lora-dropout", 0, "Dropout on the adapter's input.", "P");
        private readonly Option<string> _targets = Opt.Text("--lora-targets", "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj",
            "Comma-separated module names the adapter wraps, or all-linear.", "MODULES");
        private readonly Option<string> _checkpointing = Opt.Choice("--checkpointing", "Which layers recompute their activations in backward.", ["none", "text", "vision", "all"]);

        /// <inheritdoc />
        public IEnumerable<Symbol> Symbols => [_rank, _alpha, _dropout, _targets, _checkpointing];

        /// <summary>The adapter and checkpointing asked for.</summary>
        public ScaleArgs Read(ParseResult parse)
        {
            ArgumentNullException.ThrowIfNull(parse);
            int rank = parse.GetValue(_rank);
            LoraConfig? lora = null;
            if (rank > 0)
            {
                lora = new LoraConfig
                {
                    Rank = rank,
                    Alpha = parse.GetValue(_alpha) ?? 2.0 * rank,
                    Dropout = parse.GetValue(_dropout),
                    TargetModules = parse.GetValue(_targets)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
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
            var checkpointing = parse.GetValue(_checkpointing) switch
            {
                "text" => GradientCheckpointing.TextLayers,
                "vision" => GradientCheckpointing.VisionBlocks,
                "all" => GradientCheckpointing.All,
                _ => GradientCheckpointing.None,
            };
            return new ScaleArgs(lora, checkpointing);
        }
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
