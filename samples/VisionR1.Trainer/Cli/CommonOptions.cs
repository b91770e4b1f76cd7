using System.CommandLine;
using VisionR1.Model;

namespace VisionR1.Trainer.Cli;

/// <summary>The options many commands take, declared here once; each command holds its own instance as a field.</summary>
public static class CommonOptions
{
    /// <summary><c>--device</c>: where tensors live (default cpu); <paramref name="helpName"/> lists the forms the command accepts.</summary>
    public static Option<string> Device(string helpName = "cpu|cuda[:N]") => Opt.Text("--device", "cpu", "Where tensors live.", helpName);

    /// <summary><c>--threads</c>: libtorch's intra-op threads (0, the default, keeps libtorch's choice).</summary>
    public static Option<int> Threads() => Opt.Int("--threads", 0, "Intra-op threads (0: libtorch's default).");

    /// <summary><c>--strict</c>: a bad input line or item stops the command instead of being named and skipped.</summary>
    public static Option<bool> Strict() => Opt.Switch("--strict", "Stop at the first bad line or item instead of naming it and skipping it.");

    /// <summary><c>--compact-tokenizer</c>: the embedded compact tokenizer for a model folder without tokenizer files.</summary>
    public static Option<bool> CompactTokenizer() =>
        Opt.Switch("--compact-tokenizer", "For a model folder without tokenizer files, use the embedded compact tokenizer (vr1 init-model's).");

    /// <summary><c>--train-vision</c>: train the vision tower too (frozen by default, as the paper trains).</summary>
    public static Option<bool> TrainVision() => Opt.Switch("--train-vision", "Train the vision tower too (frozen by default, as the paper).");

    /// <summary><c>--family</c>: the model family of a base pre-trained from scratch (qwen2.5-vl by default); read it with <see cref="QwenVLFamilies.Parse"/>.</summary>
    public static Option<string> Family(string help) => Opt.Choice("--family", help, [.. QwenVLFamilies.CommandLineNames]);

    /// <summary><c>--data-root</c>: the folder image paths must stay inside (default: the input file's folder).</summary>
    public static Option<string?> DataRoot() => Opt.Text("--data-root", "The folder image paths must stay inside [default: the input file's folder].", "DIR");
}
