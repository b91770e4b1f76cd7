using System.CommandLine;
using System.Globalization;
using VisionR1.Model;
using VisionR1.Recipe;
using VisionR1.Runtime;
using VisionR1.Trainer.Cli;
using VisionR1.Trainer.Pipeline;

namespace VisionR1.Trainer.Commands;

/// <summary>
/// `vr1 pretrain`: the embedded run's base, built once: renders the synthetic world, trains the compact tokenizer and
/// pre-trains the preset from scratch (<see cref="BasePretraining.RunAsync"/>), writing DIR/base/model with its tokenizer
/// and provenance.json (world, data hashes, steps, losses, command, commit) for `vr1 pipeline --base DIR`.
/// </summary>
public sealed class PretrainCommand : ICliCommand
{
    private readonly Option<string> _out = Opt.Required("--out", "The run folder: world/, tokenizer/ and base/model (the base with its tokenizer and provenance.json).", "DIR");
    private readonly Option<string> _preset = Opt.Choice("--preset", "The model preset pre-trained from scratch.", ["small", "tiny", "medium"]);
    private readonly Option<string> _family = CommonOptions.Family("The model family pre-trained (qwen3-vl: its tiny or small preset, with its image processor).");
    private readonly Option<long> _seed = Opt.Long("--seed", 0, "The world's seed (world, tokenizer, initial weights and data order); a pipeline run's --seed is the recipe's.", "S");
    private readonly Option<int?> _epochs = Opt.OptionalInt("--epochs", "Epochs over the pre-training mix [default: the embedded run's].", "N");
    private readonly Option<string> _device = CommonOptions.Device("cpu|cuda");
    private readonly Option<string[]> _set = Opt.Many("--set", "Override a world or pre-training setting of the embedded run, as `vr1 pipeline --set` (e.g. TrainItems=6000).", "Name=Value");
    private readonly PrecisionOption _precision = new();

    /// <inheritdoc />
    public string Name => "pretrain";

    /// <inheritdoc />
    public string Summary => "Pre-train the embedded run's base on the synthetic world, with its provenance (for `vr1 pipeline --base DIR`).";

    /// <inheritdoc />
    public string Details =>
        "Writes DIR/world (the world's PNGs and JSONL), DIR/tokenizer and DIR/base/model: a Hugging Face folder with the compact tokenizer " +
        "and provenance.json (world generator version and settings, SHA-256 of the train split and of the pre-training mix, steps, " +
        "the first and final losses, the command and the commit). Held-out test problems are checked to be absent from the mix. " +
        "Resumable: the same command continues from the last checkpoint. A pipeline run given --base DIR checks that it renders the " +
        "same world before it starts.";

    /// <inheritdoc />
    public async Task<int> RunAsync(ParseResult parse, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var output = parse.GetValue(_out)!;
        var device = parse.GetValue(_device)!;
        var options = PipelineOptions.Default with
        {
            OutputDirectory = output,
            WorldSeed = parse.GetValue(_seed),
            Family = QwenVLFamilies.Parse(parse.GetValue(_family)!),
            Preset = parse.GetValue(_preset)!,
            BaseEpochs = parse.GetValue(_epochs) ?? PipelineOptions.Default.BaseEpochs,
            Device = device,
        };
        if (options.Family == QwenVLFamily.Qwen3VL && options.Preset == "medium") throw new CliUsageException("--preset medium is Qwen2.5-VL's only: a qwen3-vl base is tiny or small.");
        if (options.BaseEpochs < 1) throw new CliUsageException($"--epochs must be at least 1, got {options.BaseEpochs}.");
        try
        {
            options = PipelineOverrides.Apply(options, parse.GetValue(_set)!);
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException("--set: " + e.Message);
        }
        var runtime = VisionR1Runtime.Initialize(device.StartsWith("cuda", StringComparison.OrdinalIgnoreCase) ? device : "cpu", precision: _precision.Read(parse));
        options = options with { Bf16 = runtime.Precision.IsBf16 };
        using var outLock = VisionR1.IO.OutputFolderLock.Acquire(output, "vr1 pretrain");
        stdout.WriteLine($"vr1 pretrain: a {options.Family.DisplayName()} '{options.Preset}' base on the world of seed {options.WorldSeed} -> {Path.GetFullPath(output)}");
        stdout.WriteLine($"precision: {runtime.Precision.DtypeName}: {runtime.Precision.Reason}");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var caller = "vr1 pretrain " + string.Join(' ', parse.Tokens.Select(t => t.Value));
        var result = await BasePretraining.RunAsync(new StageRunner(output), options.ToBasePretraining() with { Caller = caller }, new PlainProgress(stdout), cancellationToken).ConfigureAwait(false);
        var p = result.Provenance;
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"base: {result.ModelDirectory}; {p?.Steps} steps, final loss {p?.FinalLoss:F4}, train split SHA-256 {p?.TrainSplitSha256}; {clock.Elapsed.TotalSeconds:F0} s"));
        stdout.WriteLine($"start a run from it: vr1 pipeline --base {Path.GetFullPath(output)}");
        return 0;
    }
}
