using System.Globalization;
using System.Text.Json;
using TorchSharp;
using VisionR1.Grpo.Policies;
using VisionR1.Grpo.Rollout;
using VisionR1.Grpo.Training;
using VisionR1.Inputs;
using VisionR1.Model.Config;
using VisionR1.Problems;
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
    /// output folder that already holds checkpoints unless <paramref name="resume"/> is set.
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
    }

    /// <summary>Reads SFT conversations.</summary>
    public static List<IReadOnlyList<ChatTurn>> ReadConversations(string path, CancellationToken cancellationToken)
    {
        var result = new List<IReadOnlyList<ChatTurn>>();
        foreach (var (line, root) in Lines(path, cancellationToken))
        {
            var where = $"{path}:{line}";
            if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
                throw new InvalidDataException($"{where}: expected a non-empty \"messages\" array.");
            var imageParts = Images(root, path, where).Select(i => (ChatPart)new ImageRefPart(i)).ToList();
            var turns = new List<ChatTurn>();
            bool imagesPlaced = imageParts.Count == 0;
            foreach (var m in messages.EnumerateArray())
            {
                var role = String(m, "role", where);
                if (role is not (ChatTurn.SystemRole or ChatTurn.UserRole or ChatTurn.AssistantRole))
                    throw new InvalidDataException($"{where}: unknown role '{role}' (use system, user or assistant).");
                var content = String(m, "content", where);
                if (role == ChatTurn.UserRole && !imagesPlaced)
                {
                    turns.Add(new ChatTurn(role, [.. imageParts, new TextPart(content)]));
                    imagesPlaced = true;
                }
                else turns.Add(new ChatTurn(role, [new TextPart(content)]));
            }
            if (!imagesPlaced) throw new InvalidDataException($"{where}: images were given but there is no user turn to hold them.");
            if (turns.All(t => t.Role != ChatTurn.AssistantRole)) throw new InvalidDataException($"{where}: no assistant turn to learn from.");
            result.Add(turns);
        }
        if (result.Count == 0) throw new InvalidDataException($"{path}: no samples.");
        return result;
    }

    /// <summary>Reads GRPO problems as prompts (a user turn: images by reference, then the problem text).</summary>
    public static List<GrpoPrompt> ReadProblems(string path, CancellationToken cancellationToken)
    {
        var result = new List<GrpoPrompt>();
        foreach (var (line, root) in Lines(path, cancellationToken))
        {
            var where = $"{path}:{line}";
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
            result.Add(new GrpoPrompt(problem, text));
        }
        if (result.Count == 0) throw new InvalidDataException($"{path}: no problems.");
        return result;
    }

    /// <summary>
    /// The model folder's tokenizer; for a folder without tokenizer files whose config uses the compact ids
    /// (the tiny/small presets of `vr1 init-model`), the embedded compact tokenizer, with a notice.
    /// </summary>
    public static ITextTokenizer LoadTokenizer(string modelDirectory, TextWriter log)
    {
        bool hasFiles = File.Exists(Path.Combine(modelDirectory, "tokenizer.json")) ||
                        (File.Exists(Path.Combine(modelDirectory, "vocab.json")) && File.Exists(Path.Combine(modelDirectory, "merges.txt")));
        if (hasFiles) return TokenizerLoader.FromFolder(modelDirectory);
        var config = Qwen25VLConfig.Load(modelDirectory);
        if (config.Tokens == ModelTokenIds.Compact)
        {
            log.WriteLine($"note: {modelDirectory} has no tokenizer files; using the embedded compact tokenizer its config's token ids belong to.");
            return CompactTokenizerTrainer.TrainDefault();
        }
        throw new CliUsageException($"{modelDirectory} has no tokenizer files (tokenizer.json, or vocab.json + merges.txt).");
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

    private static IEnumerable<(int Line, JsonElement Root)> Lines(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path)) throw new CliUsageException($"Data file '{path}' does not exist.");
        int number = 0;
        foreach (var text in File.ReadLines(path))
        {
            number++;
            cancellationToken.ThrowIfCancellationRequested();
            if (string.IsNullOrWhiteSpace(text)) continue;
            JsonDocument doc;
            try
            {
                doc = JsonDocument.Parse(text);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}:{number}: not valid JSON ({e.Message}).", e);
            }
            using (doc)
            {
                if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{path}:{number}: expected a JSON object.");
                yield return (number, doc.RootElement.Clone());
            }
        }
    }

    /// <summary>The line's images as references (paths under the data file's folder, checked to exist; decoded only when a batch is built).</summary>
    private static List<ImageRef> Images(JsonElement root, string dataPath, string where)
    {
        var refs = new List<ImageRef>();
        if (!root.TryGetProperty("images", out var list)) return refs;
        if (list.ValueKind != JsonValueKind.Array) throw new InvalidDataException($"{where}: \"images\" must be an array of paths.");
        var baseDir = Path.GetDirectoryName(Path.GetFullPath(dataPath))!;
        foreach (var item in list.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String) throw new InvalidDataException($"{where}: image entries must be paths.");
            var full = Path.GetFullPath(Path.Combine(baseDir, item.GetString()!));
            if (!full.StartsWith(baseDir + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                throw new InvalidDataException($"{where}: image '{item.GetString()}' is outside the data folder {baseDir}.");
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
