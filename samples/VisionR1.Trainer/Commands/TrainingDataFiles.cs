using System.Globalization;
using System.Text.Json;
using VisionR1.Problems;
using TorchSharp;
using VisionR1.Data.Readers;
using VisionR1.Grpo.Policies;
using VisionR1.Grpo.Rollout;
using VisionR1.Grpo.Training;
using VisionR1.Inputs;
using VisionR1.Model.Config;
using VisionR1.Text;
using VisionR1.Trainer.Cli;

namespace VisionR1.Trainer.Commands;

/// <summary>
/// What `vr1 sft` and `vr1 grpo` read: JSONL data files, the model folder (weights + tokenizer), and the
/// options both commands share. Every bad line is reported with the file and line number.
/// </summary>
/// <remarks>
/// SFT lines: <c>{"messages": [{"role": "system"|"user"|"assistant", "content": "..."}, ...], "images": ["a.png"]}</c>;
/// the images (paths relative to the data file) are placed before the text of the first user turn.
/// GRPO lines (the geometry3k layout): <c>{"id": "...", "problem": "..." (or "question"), "answer": "...", "images": ["a.png"],
/// "choices": [...], "precision": 2}</c>; <c>choices</c> and <c>precision</c> are passed to the rewards.
/// </remarks>
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
    /// Reads SFT conversations in either chat layout (<c>messages</c> of role/content, or ShareGPT <c>conversations</c> of
    /// from/value as `vr1 filter` writes). A bad line is recorded in <paramref name="report"/> (file:line and why) and skipped,
    /// or throws when <paramref name="strict"/>.
    /// </summary>
    public static List<IReadOnlyList<ChatTurn>> ReadConversations(string path, bool strict, ReadReport report, CancellationToken cancellationToken, ImageLoader? checkImages = null,
        Func<IReadOnlyList<ChatTurn>, string?>? checkSample = null)
    {
        var result = new List<IReadOnlyList<ChatTurn>>();
        foreach (var (line, root) in Lines(path, strict, report, cancellationToken))
        {
            var where = $"{path}:{line}";
            if (Item(where, strict, report, () => Checked(Conversation(root, path, where, checkImages), where, checkSample)) is { } turns) result.Add(turns);
        }
        if (result.Count == 0) throw new InvalidDataException($"{path}: no usable samples ({report.Skipped.Count} skipped).");
        return result;
    }

    /// <summary>Null when a sample of <paramref name="tokens"/> tokens fits <paramref name="maxTokens"/>; otherwise why not.</summary>
    public static string? SampleLength(int tokens, int maxTokens) =>
        tokens <= maxTokens ? null : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"the sample is {tokens:N0} tokens, over the limit of {maxTokens:N0} (--max-sample-tokens; default max_position_embeddings)");

    private static List<ChatTurn> Checked(List<ChatTurn> turns, string where, Func<IReadOnlyList<ChatTurn>, string?>? check) =>
        check?.Invoke(turns) is { } why ? throw new InvalidDataException($"{where}: {why}") : turns;

    private static List<ChatTurn> Conversation(JsonElement root, string path, string where, ImageLoader? checkImages)
    {
        bool shareGpt = root.TryGetProperty("conversations", out var messages);
        if (!shareGpt) root.TryGetProperty("messages", out messages);
        if (messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
            throw new InvalidDataException($"{where}: expected a non-empty \"messages\" (or ShareGPT \"conversations\") array.");
        var (roleKey, textKey) = shareGpt ? ("from", "value") : ("role", "content");
        var refs = Images(root, path, where);
        if (checkImages is not null) CheckImages(refs, where, checkImages);
        var imageParts = refs.Select(i => (ChatPart)new ImageRefPart(i)).ToList();
        var turns = new List<ChatTurn>();
        bool imagesPlaced = imageParts.Count == 0;
        foreach (var m in messages.EnumerateArray())
        {
            var role = String(m, roleKey, where) switch
            {
                "human" or "user" => ChatTurn.UserRole,
                "gpt" or "assistant" => ChatTurn.AssistantRole,
                "system" => ChatTurn.SystemRole,
                var other => throw new InvalidDataException($"{where}: unknown role '{other}' (use system, user or assistant; ShareGPT: system, human or gpt)."),
            };
            // ShareGPT marks where images go with <image>; they are placed before the first user turn's text either way.
            var content = String(m, textKey, where).Replace("<image>", "", StringComparison.Ordinal);
            if (role == ChatTurn.UserRole && !imagesPlaced)
            {
                turns.Add(new ChatTurn(role, [.. imageParts, new TextPart(content)]));
                imagesPlaced = true;
            }
            else turns.Add(new ChatTurn(role, [new TextPart(content)]));
        }
        if (!imagesPlaced) throw new InvalidDataException($"{where}: images were given but there is no user turn to hold them.");
        if (turns.All(t => t.Role != ChatTurn.AssistantRole)) throw new InvalidDataException($"{where}: no assistant turn to learn from.");
        return turns;
    }

    /// <summary>
    /// Reads GRPO problems as prompts (a user turn: images, then the problem text). <paramref name="checkPrompt"/> returns why a
    /// prompt cannot be used (e.g. too long for the model), or null. A bad line is recorded in <paramref name="report"/> and
    /// skipped, or throws when <paramref name="strict"/>.
    /// </summary>
    public static List<GrpoPrompt> ReadProblems(string path, Func<GrpoPrompt, string?> checkPrompt, bool strict, ReadReport report, CancellationToken cancellationToken)
    {
        var result = new List<GrpoPrompt>();
        foreach (var (line, root) in Lines(path, strict, report, cancellationToken))
        {
            var where = $"{path}:{line}";
            if (Item(where, strict, report, () => Problem(root, path, line, where, checkPrompt)) is { } prompt) result.Add(prompt);
        }
        if (result.Count == 0) throw new InvalidDataException($"{path}: no usable problems ({report.Skipped.Count} skipped).");
        return result;
    }

    private static GrpoPrompt Problem(JsonElement root, string path, int line, string where, Func<GrpoPrompt, string?> checkPrompt)
    {
        var text = root.TryGetProperty("problem", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString()!
            : root.TryGetProperty("question", out var q) && q.ValueKind == JsonValueKind.String ? q.GetString()!
            : throw new InvalidDataException($"{where}: expected a string \"problem\" (or \"question\").");
        var answer = root.TryGetProperty("answer", out var a) ? a.ValueKind switch
        {
            JsonValueKind.String => a.GetString()!,
            JsonValueKind.Number => a.GetRawText(),
            _ => throw new InvalidDataException($"{where}: \"answer\" must be a string or a number."),
        } : throw new InvalidDataException($"{where}: missing \"answer\".");
        var id = root.TryGetProperty("id", out var i) ? (i.ValueKind == JsonValueKind.String ? i.GetString()! : i.GetRawText()) : line.ToString(CultureInfo.InvariantCulture);
        List<string>? choices = null;
        int? precision = null;
        if (root.TryGetProperty("choices", out var c) && c.ValueKind == JsonValueKind.Array)
            choices = c.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString()! : x.GetRawText()).ToList();
        if (root.TryGetProperty("precision", out var pr) && pr.ValueKind == JsonValueKind.Number)
            precision = pr.GetInt32();
        var problem = new MathProblem(id, Images(root, path, where), text, answer, choices,
            choices is { Count: > 0 } ? AnswerType.MultipleChoice : AnswerType.Text, precision);
        var prompt = new GrpoPrompt(problem, text);
        if (checkPrompt(prompt) is { } why) throw new InvalidDataException($"{where}: {why}.");
        return prompt;
    }

    /// <summary>Parses one item; a bad one is skipped into <paramref name="report"/> (or rethrown when strict).</summary>
    private static T? Item<T>(string where, bool strict, ReadReport report, Func<T> parse) where T : class
    {
        try
        {
            var item = parse();
            report.CountRead();
            return item;
        }
        catch (InvalidDataException e) when (!strict)
        {
            var reason = e.Message.StartsWith(where + ": ", StringComparison.Ordinal) ? e.Message[(where.Length + 2)..] : e.Message;
            report.Skip(where, reason);
            return null;
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
        var config = Qwen25VLConfig.Load(modelDirectory);
        if (!allowCompact)
            throw new CliUsageException($"{modelDirectory} has no tokenizer files (tokenizer.json, or vocab.json + merges.txt)"
                + (config.Tokens == ModelTokenIds.Compact ? "; pass --compact-tokenizer to use the embedded compact tokenizer its config's token ids belong to." : "."));
        if (config.Tokens != ModelTokenIds.Compact)
            throw new CliUsageException($"--compact-tokenizer: {modelDirectory}'s config does not use the compact tokenizer's token ids.");
        log.WriteLine($"note: {modelDirectory} has no tokenizer files; using the embedded compact tokenizer (--compact-tokenizer).");
        return CompactTokenizerTrainer.TrainDefault();
    }

    /// <summary>Loads the model folder onto the device as a policy.</summary>
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

    private static IEnumerable<(int Line, JsonElement Root)> Lines(string path, bool strict, ReadReport report, CancellationToken cancellationToken)
    {
        if (!File.Exists(path)) throw new CliUsageException($"Data file '{path}' does not exist.");
        using var reader = VisionR1.IO.BoundedLineReader.Open(path); // a line over the limit is skipped as it streams past
        while (reader.TryReadLine(out var text))
        {
            int number = text.Number;
            cancellationToken.ThrowIfCancellationRequested();
            if (text.IsBlank) continue;
            var where = $"{path}:{number}";
            JsonElement? root = null;
            if (text.IsTooLong)
            {
                if (strict) throw new InvalidDataException($"{where}: {text.TooLongReason(reader.MaxLineBytes)}.");
                report.Skip(where, text.TooLongReason(reader.MaxLineBytes));
                continue;
            }
            try
            {
                using var doc = JsonDocument.Parse(text.Bytes);
                if (doc.RootElement.ValueKind == JsonValueKind.Object) root = doc.RootElement.Clone();
                else if (strict) throw new InvalidDataException($"{where}: expected a JSON object.");
                else report.Skip(where, "expected a JSON object");
            }
            catch (JsonException e)
            {
                if (strict) throw new InvalidDataException($"{where}: not valid JSON ({e.Message}).", e);
                report.Skip(where, $"not valid JSON ({e.Message})");
            }
            if (root is { } element) yield return (number, element);
        }
    }

    /// <summary>Decodes each image once through <paramref name="loader"/> (kept only if its cache keeps it), so a corrupt file is named at its line.</summary>
    private static void CheckImages(IEnumerable<ImageRef> images, string where, ImageLoader loader)
    {
        foreach (var image in images)
        {
            try
            {
                loader.Load(image);
            }
            catch (Exception e) when (e is IOException or InvalidImageException)
            {
                throw new InvalidDataException($"{where}: image '{image}' could not be read: {e.Message}", e);
            }
        }
    }

    /// <summary>The line's images as references (resolved inside the data file's folder, links included, and checked to exist; decoded only when a batch is built).</summary>
    private static List<ImageRef> Images(JsonElement root, string dataPath, string where)
    {
        var refs = new List<ImageRef>();
        if (!root.TryGetProperty("images", out var list)) return refs;
        if (list.ValueKind != JsonValueKind.Array) throw new InvalidDataException($"{where}: \"images\" must be an array of paths.");
        var baseDir = Path.GetDirectoryName(Path.GetFullPath(dataPath))!;
        foreach (var item in list.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String) throw new InvalidDataException($"{where}: image entries must be paths.");
            string full;
            try
            {
                full = DataRoot.Resolve(baseDir, item.GetString()!); // every link resolved: nothing outside the data folder is read
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"{where}: {e.Message}.", e);
            }
            if (!File.Exists(full)) throw new InvalidDataException($"{where}: image '{item.GetString()}' could not be read: file not found.");
            refs.Add(ImageRef.File(full));
        }
        return refs;
    }

    private static string String(JsonElement e, string name, string where) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString()!
            : throw new InvalidDataException($"{where}: each message needs a string \"{name}\".");
}
