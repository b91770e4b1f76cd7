using TorchSharp;
using VisionR1.Data.Readers;
using VisionR1.Grpo.Policies;
using VisionR1.Grpo.Rollout;
using VisionR1.Grpo.Training;
using VisionR1.Inputs;
using VisionR1.Model;
using VisionR1.Model.Config;
using VisionR1.Model.Qwen3VL;
using VisionR1.Text;
using VisionR1.Trainer.Cli;

namespace VisionR1.Trainer.Commands;

/// <summary>
/// What `vr1 sft` and `vr1 grpo` read: JSONL data files (through the library's <see cref="ChatSampleJsonl"/> and
/// <see cref="MathProblemJsonl"/>), the model folder (weights + tokenizer), and the options both commands share. Every bad line
/// is reported with the file as given and the line number.
/// </summary>
internal static class TrainingDataFiles
{
    /// <summary>
    /// Checks a trainer's options (an <see cref="ArgumentException"/> becomes a usage error) and refuses an
    /// output folder that already holds checkpoints unless <paramref name="resume"/> is set; then removes the temporary files a
    /// killed earlier run left in the output folder and its final model folder.
    /// </summary>
    public static void CheckRun(Action validateOptions, string outDir, bool resume)
    {
        try
        {
            validateOptions();
        }
        catch (ArgumentException e)
        {
            throw new CliUsageException(e.Message);
        }
        var checkpoints = Path.Combine(outDir, "checkpoints");
        if (!resume && Directory.Exists(checkpoints) && Directory.EnumerateFileSystemEntries(checkpoints).Any())
            throw new CliUsageException($"{outDir} already holds checkpoints: pass --resume to continue, or choose another --out.");
        // Temporary files a killed earlier run left (metrics, the final model); checkpoint folders are the trainer's to sweep.
        VisionR1.IO.AtomicFile.RemoveOrphansIn(outDir);
        VisionR1.IO.AtomicFile.RemoveOrphansIn(Path.Combine(outDir, "final"));
    }

    /// <summary>
    /// Reads SFT conversations (<see cref="ChatSampleJsonl"/>: <c>messages</c> of role/content, or ShareGPT <c>conversations</c>
    /// of from/value as `vr1 filter` writes), each checked by <paramref name="collator"/>: its images decode and it fits
    /// <see cref="ChatSftCollator.MaxSampleTokens"/>. A bad line is recorded in <paramref name="report"/> (file:line and why)
    /// and skipped, or throws when <paramref name="strict"/>.
    /// </summary>
    public static List<IReadOnlyList<ChatTurn>> ReadConversations(string path, bool strict, ReadReport report, ChatSftCollator collator, CancellationToken cancellationToken)
    {
        var samples = Read(path, p => ChatSampleJsonl.ReadAsync(p, s => Usable(() => collator.CheckLength(s.ToConversation())), Options(p, strict), report, cancellationToken));
        return samples.Count > 0 ? samples.ConvertAll(s => s.ToConversation()) : throw new InvalidDataException($"{path}: no usable samples ({report.Skipped.Count} skipped).");
    }

    /// <summary>
    /// Reads GRPO problems (<see cref="MathProblemJsonl"/>, ids optional) as prompts: a user turn of the images, then the problem's
    /// <see cref="VisionR1.Problems.MathProblem.PromptText"/>. <paramref name="checkPrompt"/> returns why a prompt cannot be used (e.g. too long
    /// for the model), or null; an image that does not decode is reported as such. A bad line is recorded in
    /// <paramref name="report"/> and skipped, or throws when <paramref name="strict"/>.
    /// </summary>
    public static List<GrpoPrompt> ReadProblems(string path, Func<GrpoPrompt, string?> checkPrompt, bool strict, ReadReport report, CancellationToken cancellationToken)
    {
        var problems = Read(path, p => MathProblemJsonl.ReadAsync(p, problem => Usable(() => checkPrompt(new GrpoPrompt(problem))), Options(p, strict) with { OptionalIds = true }, report, cancellationToken));
        return problems.Count > 0 ? problems.ConvertAll(p => new GrpoPrompt(p)) : throw new InvalidDataException($"{path}: no usable problems ({report.Skipped.Count} skipped).");
    }

    /// <summary>The reading options of a training file: locations name it as the user gave it.</summary>
    private static ReadOptions Options(string path, bool strict) => new(Strict: strict) { SourceName = path };

    /// <summary>All items of a data file (the readers stream synchronously); a missing file is a usage error.</summary>
    private static List<T> Read<T>(string path, Func<string, IAsyncEnumerable<T>> read)
    {
        if (!File.Exists(path)) throw new CliUsageException($"Data file '{path}' does not exist.");
        return read(path).ToListAsync().AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Why an item cannot be used (<paramref name="check"/>'s answer, or an image that does not decode), or null.</summary>
    private static string? Usable(Func<string?> check)
    {
        try
        {
            return check();
        }
        catch (Exception e) when (e is IOException or InvalidImageException)
        {
            return $"an image could not be read: {e.Message}";
        }
    }

    /// <summary>Writes each skipped item (file:line: why) and the count to <paramref name="log"/>.</summary>
    public static void ReportSkipped(string command, ReadReport report, TextWriter log)
    {
        foreach (var s in report.Skipped) log.WriteLine($"{command}: skipped {s.Location}: {s.Reason}");
        if (report.Skipped.Count > 0) log.WriteLine($"{command}: {report.Skipped.Count} bad item(s) skipped, {report.Read} used (--strict stops at the first)");
    }

    /// <summary>
    /// The model folder's tokenizer. A folder without tokenizer files is an error, unless <paramref name="allowCompact"/> (the
    /// --compact-tokenizer switch) asks for the embedded compact tokenizer and the config uses its token ids (the tiny/small
    /// presets of `vr1 init-model`).
    /// </summary>
    public static ITextTokenizer LoadTokenizer(string modelDirectory, bool allowCompact, TextWriter log)
    {
        bool hasFiles = File.Exists(Path.Combine(modelDirectory, "tokenizer.json")) ||
                        (File.Exists(Path.Combine(modelDirectory, "vocab.json")) && File.Exists(Path.Combine(modelDirectory, "merges.txt")));
        if (hasFiles) return TokenizerLoader.FromFolder(modelDirectory);
        var tokens = ReadModelConfig(modelDirectory).Tokens;
        if (!allowCompact)
            throw new CliUsageException($"{modelDirectory} has no tokenizer files (tokenizer.json, or vocab.json + merges.txt)"
                + (tokens == ModelTokenIds.Compact ? "; pass --compact-tokenizer to use the embedded compact tokenizer its config's token ids belong to." : "."));
        if (tokens != ModelTokenIds.Compact)
            throw new CliUsageException($"--compact-tokenizer: {modelDirectory}'s config does not use the compact tokenizer's token ids.");
        log.WriteLine($"note: {modelDirectory} has no tokenizer files; using the embedded compact tokenizer (--compact-tokenizer).");
        return CompactTokenizerTrainer.TrainDefault();
    }

    /// <summary>
    /// The special token ids and the position limit (<c>max_position_embeddings</c>) of a Qwen2.5-VL or Qwen3-VL folder's
    /// config.json, read as its <c>model_type</c> says.
    /// </summary>
    public static (ModelTokenIds Tokens, int MaxPositionEmbeddings) ReadModelConfig(string modelDirectory)
    {
        if (QwenVLModel.FamilyOf(modelDirectory) == QwenVLFamily.Qwen3VL)
        {
            var qwen3 = Qwen3VLConfig.Load(modelDirectory);
            return (qwen3.Tokens, qwen3.Text.MaxPositionEmbeddings);
        }
        var qwen25 = Qwen25VLConfig.Load(modelDirectory);
        return (qwen25.Tokens, qwen25.Text.MaxPositionEmbeddings);
    }

    /// <summary>Loads the model folder (either family) onto the device as a policy.</summary>
    public static QwenPolicy LoadPolicy(string modelDirectory, torch.Device device, bool bf16) =>
        QwenPolicy.Load(modelDirectory, device, bf16 ? torch.ScalarType.BFloat16 : torch.ScalarType.Float32);

    /// <summary>Writes the trained model and its tokenizer as a Hugging Face folder.</summary>
    public static void SaveFinal(QwenPolicy policy, ITextTokenizer tokenizer, string directory)
    {
        policy.SaveWeights(directory);
        tokenizer.Save(directory);
    }

    /// <summary>
    /// Reports the end of a `vr1 sft` / `vr1 grpo` run: a finished run writes its final model to OUT/final, a stopped one
    /// says how to continue. Throws when <paramref name="cancellationToken"/> stopped the run.
    /// </summary>
    public static int Finish(string command, TrainingRunResult result, QwenPolicy policy, ITextTokenizer tokenizer, string outDir, TextWriter stdout, CancellationToken cancellationToken)
    {
        if (result.Finished)
        {
            var final = Path.Combine(outDir, "final");
            SaveFinal(policy, tokenizer, final);
            stdout.WriteLine($"{command} finished after {result.Step} steps; model written to {final}");
        }
        else stdout.WriteLine($"{command} stopped after {result.Step} steps; run again with --resume to continue");
        cancellationToken.ThrowIfCancellationRequested();
        return 0;
    }
}
