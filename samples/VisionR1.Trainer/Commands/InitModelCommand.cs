using System.CommandLine;
using System.Globalization;
using TorchSharp;
using VisionR1.Model;
using VisionR1.Model.Checkpoints;
using VisionR1.Model.Config;
using VisionR1.Model.Qwen3VL;
using VisionR1.Runtime;
using VisionR1.Text;
using VisionR1.Trainer.Cli;

namespace VisionR1.Trainer.Commands;

/// <summary>
/// `vr1 init-model`: writes a randomly initialised Qwen2.5-VL or Qwen3-VL folder in the Hugging Face layout
/// (config.json, model.safetensors or shards with model.safetensors.index.json, and a tokenizer whose special ids the
/// config names). The released sizes (3b, 7b; qwen3-vl-2b, -4b, -8b, -32b) are refused unless --allow-large is given (random
/// weights of that size are only good for shape, memory and speed checks) and can be checked on the meta device
/// (--meta-check) without allocating.
/// </summary>
public sealed class InitModelCommand : ICliCommand
{
    private readonly Option<string> _preset = Opt.Required("--preset", "Qwen2.5-VL tiny/small/medium or Qwen3-VL qwen3-vl-tiny/qwen3-vl-small: write DIR/config.json, the weights and the default compact tokenizer's files. Released sizes (3b, 7b, qwen3-vl-2b, qwen3-vl-4b, qwen3-vl-8b, qwen3-vl-32b): only with --meta-check or --allow-large (then with the released Qwen tokenizer).", "NAME");
    private readonly Option<string> _out = Opt.Required("--out", "The model folder.", "DIR");
    private readonly Option<int> _seed = Opt.Int("--seed", 0, "Seed of the random weights.", "N");
    private readonly Option<string> _dtype = Opt.Text("--dtype", "f32", "The weights' precision.", "f32|bf16");
    private readonly Option<bool> _allowLarge = Opt.Switch("--allow-large", "Released sizes: write the random weights anyway (as f32: 3b 15 GB, 7b 33 GB, qwen3-vl-2b 8.5 GB, -4b 18 GB, -8b 35 GB, -32b 133 GB), for shape, memory and speed checks only; the whole model is held in memory once while it is written.");
    private readonly Option<string> _maxShardSize = Opt.Text("--max-shard-size", "5GB", "Largest weights file: a bigger checkpoint is written as model-0000k-of-0000n.safetensors shards with model.safetensors.index.json (default as transformers' save_pretrained; units B, KB, MB, GB, powers of 1000).", "SIZE");
    private readonly Option<bool> _metaCheck = Opt.Switch("--meta-check", "Build the model on the meta device (no memory), print its parameter count and write DIR/config.json; use real Hub weights for the released sizes.");

    /// <inheritdoc />
    public string Name => "init-model";

    /// <inheritdoc />
    public string Summary => "Write a randomly initialised Qwen2.5-VL or Qwen3-VL checkpoint folder (HF layout) for a preset.";

    /// <summary>A preset of either family: whether it is a released size, its ids, and how to build it and write its config.json.</summary>
    private sealed record Preset(bool Released, ModelTokenIds Tokens, int VocabSize, Func<torch.Device, torch.ScalarType, QwenVLModel> Build, Action<string, string> SaveConfig);

    /// <inheritdoc />
    public Task<int> RunAsync(ParseResult parse, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var presetName = parse.GetValue(_preset)!;
        var output = parse.GetValue(_out)!;
        var seed = parse.GetValue(_seed);
        var dtypeName = parse.GetValue(_dtype)!;
        var metaCheck = parse.GetValue(_metaCheck);
        var allowLarge = parse.GetValue(_allowLarge);
        var maxShardBytes = ParseSize(parse.GetValue(_maxShardSize)!);

        Preset preset;
        try
        {
            preset = Resolve(presetName);
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException(e.Message);
        }
        var dtype = dtypeName.ToLowerInvariant() switch
        {
            "f32" or "float32" => torch.ScalarType.Float32,
            "bf16" or "bfloat16" => torch.ScalarType.BFloat16,
            _ => throw new CliUsageException($"--dtype must be f32 or bf16, got '{dtypeName}'."),
        };
        VisionR1Runtime.Initialize("cpu");

        if (metaCheck || (preset.Released && !allowLarge))
        {
            if (!metaCheck)
            {
                using var probe = preset.Build(torch.META, dtype);
                var gb = probe.ParameterCount * (dtype == torch.ScalarType.BFloat16 ? 2 : 4) / 1e9;
                stderr.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"vr1 init-model: preset {presetName} has {probe.ParameterCount:N0} parameters ({gb:F1} GB as {dtypeName}); random weights of that size are not useful. Download the released checkpoint instead, pass --meta-check to validate the layout without allocating, or --allow-large to write random weights for shape, memory and speed checks."));
                return Task.FromResult(1);
            }
            using var metaLock = VisionR1.IO.OutputFolderLock.Acquire(output, "vr1 init-model");
            using var meta = preset.Build(torch.META, dtype);
            preset.SaveConfig(output, dtype == torch.ScalarType.BFloat16 ? "bfloat16" : "float32");
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{presetName}: {meta.ParameterCount:N0} parameters, {meta.state_dict().Count} tensors (meta device, nothing allocated); wrote {Path.Combine(output, "config.json")}"));
            return Task.FromResult(0);
        }

        cancellationToken.ThrowIfCancellationRequested();
        using var outLock = VisionR1.IO.OutputFolderLock.Acquire(output, "vr1 init-model");
        using var model = preset.Build(torch.CPU, dtype);
        model.InitializeWeights(seed);
        // The small presets use the compact tokenizer's ids (specials at 0..6, ≤ 1024 ids); the released sizes the released Qwen tokenizer's.
        var tokenizer = preset.Tokens == ModelTokenIds.Qwen25VL ? ReleasedQwenTokenizer.WriteTo(output) : CompactTokenizerTrainer.TrainDefault();
        if (ModelTokenIds.From(tokenizer.Special) != preset.Tokens || tokenizer.VocabularySize > preset.VocabSize)
            throw new InvalidOperationException(
                $"The tokenizer (specials {tokenizer.Special}, {tokenizer.VocabularySize} ids) does not fit preset {presetName} ({preset.Tokens}, vocab {preset.VocabSize}).");
        model.SavePretrained(output, maxShardBytes: maxShardBytes);
        if (preset.Tokens != ModelTokenIds.Qwen25VL) tokenizer.Save(output);
        var files = CheckpointLoader.WeightFiles(output);
        var bytes = files.Sum(f => new FileInfo(f.Path).Length);
        var weights = files.Count == 1 ? $"{CheckpointLoader.WeightsFile} {bytes / 1e6:F1} MB" : $"{files.Count} shards of {bytes / 1e6:F1} MB with {CheckpointLoader.IndexFile}";
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{presetName}: {model.ParameterCount:N0} parameters, seed {seed}, {dtypeName}; wrote {output} (config.json, {weights}, tokenizer with {tokenizer.VocabularySize} ids)"));
        return Task.FromResult(0);
    }

    /// <summary>The preset <paramref name="name"/> names: a Qwen3-VL one after <see cref="Qwen3VLPresets.CommandLinePrefix"/>, else a Qwen2.5-VL one.</summary>
    /// <exception cref="ArgumentException">No preset has that name.</exception>
    private static Preset Resolve(string name)
    {
        if (Qwen3VLPresets.IsCommandLineName(name))
        {
            var q3 = Qwen3VLPresets.ByName(name);
            bool released = q3 != Qwen3VLPresets.Tiny && q3 != Qwen3VLPresets.Small;
            return new Preset(released, q3.Tokens, q3.Text.VocabSize, (device, dtype) => new Qwen3VLModel(q3, device, dtype), q3.Save);
        }
        var q25 = Qwen25VLPresets.ByName(name);
        bool large = q25 == Qwen25VLPresets.Qwen3B || q25 == Qwen25VLPresets.Qwen7B;
        return new Preset(large, q25.Tokens, q25.Text.VocabSize, (device, dtype) => new Qwen25VLModel(q25, device, dtype), q25.Save);
    }

    /// <summary>Reads a size such as 5GB, 500MB, 64KB or 1000 (bytes); units are powers of 1000, as transformers' max_shard_size.</summary>
    private static long ParseSize(string text)
    {
        var t = text.Trim().ToUpperInvariant();
        (string Unit, long Factor)[] units = [("GB", 1_000_000_000), ("MB", 1_000_000), ("KB", 1_000), ("B", 1)];
        var (unit, factor) = units.FirstOrDefault(u => t.EndsWith(u.Unit, StringComparison.Ordinal), ("", 1));
        return double.TryParse(t[..^unit.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value * factor >= 1 && value * factor <= long.MaxValue
            ? (long)(value * factor)
            : throw new CliUsageException($"--max-shard-size must be a positive size such as 5GB, 500MB or 64KB, got '{text}'.");
    }
}
