using System.CommandLine;
using System.Globalization;
using TorchSharp;
using VisionR1.Model;
using VisionR1.Model.Checkpoints;
using VisionR1.Model.Config;
using VisionR1.Runtime;
using VisionR1.Text;
using VisionR1.Trainer.Cli;

namespace VisionR1.Trainer.Commands;

/// <summary>
/// `vr1 init-model`: writes a randomly initialised Qwen2.5-VL folder in the Hugging Face layout
/// (config.json, model.safetensors or shards with model.safetensors.index.json, and a tokenizer whose special ids the
/// config names). The 3B and 7B presets are refused unless --allow-large is given (random weights of that size are only
/// good for shape, memory and speed checks) and can be checked on the meta device (--meta-check) without allocating.
/// </summary>
public sealed class InitModelCommand : ICliCommand
{
    private readonly Option<string> _preset = Opt.Required("--preset", "tiny/small/medium: write DIR/config.json, the weights and the default compact tokenizer's files. 3b/7b: only with --meta-check or --allow-large (then with the released Qwen2.5 tokenizer).", "tiny|small|medium|3b|7b");
    private readonly Option<string> _out = Opt.Required("--out", "The model folder.", "DIR");
    private readonly Option<int> _seed = Opt.Int("--seed", 0, "Seed of the random weights.", "N");
    private readonly Option<string> _dtype = Opt.Text("--dtype", "f32", "The weights' precision.", "f32|bf16");
    private readonly Option<bool> _allowLarge = Opt.Switch("--allow-large", "3b/7b: write the random weights anyway (3b: 15 GB as f32, 7b: 33 GB), for shape, memory and speed checks only; the whole model is held in memory once while it is written.");
    private readonly Option<string> _maxShardSize = Opt.Text("--max-shard-size", "5GB", "Largest weights file: a bigger checkpoint is written as model-0000k-of-0000n.safetensors shards with model.safetensors.index.json (default as transformers' save_pretrained; units B, KB, MB, GB, powers of 1000).", "SIZE");
    private readonly Option<bool> _metaCheck = Opt.Switch("--meta-check", "Build the model on the meta device (no memory), print its parameter count and write DIR/config.json; use real Hub weights for 3b/7b.");

    /// <inheritdoc />
    public string Name => "init-model";

    /// <inheritdoc />
    public string Summary => "Write a randomly initialised Qwen2.5-VL checkpoint folder (HF layout) for a preset.";

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

        Qwen25VLConfig config;
        try
        {
            config = Qwen25VLPresets.ByName(presetName);
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
        bool large = presetName.Trim().ToLowerInvariant() is "3b" or "7b";
        VisionR1Runtime.Initialize("cpu");

        if (metaCheck || (large && !allowLarge))
        {
            if (!metaCheck)
            {
                using var probe = new Qwen25VLModel(config, torch.META, dtype);
                var gb = probe.ParameterCount * (dtype == torch.ScalarType.BFloat16 ? 2 : 4) / 1e9;
                stderr.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"vr1 init-model: preset {presetName} has {probe.ParameterCount:N0} parameters ({gb:F1} GB as {dtypeName}); random weights of that size are not useful. Download the released checkpoint instead, pass --meta-check to validate the layout without allocating, or --allow-large to write random weights for shape, memory and speed checks."));
                return Task.FromResult(1);
            }
            using var metaLock = VisionR1.IO.OutputFolderLock.Acquire(output, "vr1 init-model");
            using var meta = new Qwen25VLModel(config, torch.META, dtype);
            config.Save(output, dtype == torch.ScalarType.BFloat16 ? "bfloat16" : "float32");
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{presetName}: {meta.ParameterCount:N0} parameters, {meta.state_dict().Count} tensors (meta device, nothing allocated); wrote {Path.Combine(output, "config.json")}"));
            return Task.FromResult(0);
        }

        cancellationToken.ThrowIfCancellationRequested();
        using var outLock = VisionR1.IO.OutputFolderLock.Acquire(output, "vr1 init-model");
        using var model = new Qwen25VLModel(config, torch.CPU, dtype);
        model.InitializeWeights(seed);
        // The small presets use the compact tokenizer's ids (specials at 0..6, ≤ 1024 ids); 3b/7b the released Qwen2.5 tokenizer's.
        var tokenizer = config.Tokens == ModelTokenIds.Qwen25VL ? ReleasedQwenTokenizer.WriteTo(output) : CompactTokenizerTrainer.TrainDefault();
        if (ModelTokenIds.From(tokenizer.Special) != config.Tokens || tokenizer.VocabularySize > config.Text.VocabSize)
            throw new InvalidOperationException(
                $"The tokenizer (specials {tokenizer.Special}, {tokenizer.VocabularySize} ids) does not fit preset {presetName} ({config.Tokens}, vocab {config.Text.VocabSize}).");
        CheckpointSaver.Save(model, output, maxShardBytes: maxShardBytes);
        if (config.Tokens != ModelTokenIds.Qwen25VL) tokenizer.Save(output);
        var files = CheckpointLoader.WeightFiles(output);
        var bytes = files.Sum(f => new FileInfo(f.Path).Length);
        var weights = files.Count == 1 ? $"{CheckpointLoader.WeightsFile} {bytes / 1e6:F1} MB" : $"{files.Count} shards of {bytes / 1e6:F1} MB with {CheckpointLoader.IndexFile}";
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{presetName}: {model.ParameterCount:N0} parameters, seed {seed}, {dtypeName}; wrote {output} (config.json, {weights}, tokenizer with {tokenizer.VocabularySize} ids)"));
        return Task.FromResult(0);
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
