using VisionR1.Runtime;
using TorchSharp.Modules;
using VisionR1.Inputs;
using VisionR1.Model;
using VisionR1.Model.Checkpoints;
using VisionR1.Model.Generation;
using VisionR1.Model.Lora;
using VisionR1.Model.Qwen3VL;
using static TorchSharp.torch;

namespace VisionR1.Grpo.Policies;

/// <summary>
/// A Qwen vision-language model of VisionR1.Core (<see cref="QwenVLModel"/>, either family) as a GRPO/SFT policy: chunked
/// log-probabilities (<see cref="QwenVLLogProbs.ComputeTokenLogProbs(QwenVLModel, MultimodalBatch, int, double, bool, int)"/>, no
/// full-vocabulary log-softmax), KV-cache sampling of G completions per prompt (<see cref="CompletionGenerator"/>), weights in
/// the Hugging Face layout (<see cref="QwenVLModel.SavePretrained"/> / <see cref="QwenVLModel.FromPretrained"/>). The vision
/// tower is <see cref="QwenVLModel.VisionParameters"/> (encoder and merger). With a LoRA adapter (<see cref="AttachLora"/>, <see cref="LoadLora"/>) only the
/// adapter is trained, the KL reference is the base with the adapter switched off (<see cref="CreateReference"/>, no second
/// copy), and <see cref="SaveWeights"/> / <see cref="LoadWeights"/> write and read the adapter in PEFT's layout.
/// </summary>
public sealed class QwenPolicy : IPolicyModel
{
    private readonly IReadOnlyList<int>? _stopTokenIds;

    /// <summary>Wraps <paramref name="model"/> (not copied; the policy disposes it). Stop tokens default to the config's <c>eos_token_id</c>.</summary>
    public QwenPolicy(QwenVLModel model, IReadOnlyList<int>? stopTokenIds = null)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        _stopTokenIds = stopTokenIds;
    }

    /// <summary>Loads a Hugging Face folder of either family (config.json + safetensors) onto <paramref name="device"/> in <paramref name="dtype"/>.</summary>
    public static QwenPolicy Load(string directory, Device? device = null, ScalarType dtype = ScalarType.Float32) =>
        new(QwenVLModel.FromPretrained(directory, device, dtype));

    /// <summary>The wrapped model.</summary>
    public QwenVLModel Model { get; }

    /// <inheritdoc />
    public nn.Module Module => Model;

    /// <inheritdoc />
    public int? VocabularySize => Model.VocabSize;

    /// <summary>The attached LoRA adapter, or null for full fine-tuning.</summary>
    public LoraAdapters? Lora { get; private set; }

    /// <summary>
    /// Where the base weights came from, written as <c>base_model_name_or_path</c> in saved adapter configs
    /// (e.g. the Hub id or the folder the base was loaded from).
    /// </summary>
    public string? BaseModelNameOrPath { get; init; }

    /// <summary>Attaches a new LoRA adapter (B = 0, so the policy starts as its base): from now on only the adapter trains.</summary>
    /// <exception cref="InvalidOperationException">An adapter is already attached.</exception>
    public LoraAdapters AttachLora(LoraConfig config, long seed)
    {
        if (Lora is not null) throw new InvalidOperationException("The policy already has a LoRA adapter.");
        return Lora = LoraAdapters.Attach(Model, config, seed);
    }

    /// <summary>Attaches the PEFT adapter stored in <paramref name="directory"/> (e.g. to continue training it or to sample with it).</summary>
    /// <exception cref="InvalidOperationException">An adapter is already attached.</exception>
    public LoraAdapters LoadLora(string directory)
    {
        if (Lora is not null) throw new InvalidOperationException("The policy already has a LoRA adapter.");
        return Lora = LoraAdapters.LoadInto(Model, directory);
    }

    /// <summary>Folds the attached adapter into the base weights and detaches it (the policy then trains in full again).</summary>
    /// <exception cref="InvalidOperationException">No adapter is attached.</exception>
    public void MergeLora()
    {
        (Lora ?? throw new InvalidOperationException("The policy has no LoRA adapter to merge.")).Merge();
        Lora = null;
    }

    /// <inheritdoc />
    /// <remarks>With a LoRA adapter: the adapter's parameters, whatever <paramref name="freezeVisionTower"/> says (the base stays frozen).</remarks>
    public IReadOnlyList<Parameter> TrainableParameters(bool freezeVisionTower)
    {
        if (Lora is { } lora) return lora.Parameters;
        var vision = freezeVisionTower ? Model.VisionParameters.Select(p => p.Name).ToHashSet(StringComparer.Ordinal) : [];
        return Model.named_parameters().Where(p => !vision.Contains(p.name)).Select(p => p.parameter).ToList();
    }

    /// <inheritdoc />
    /// <remarks>
    /// When every image of the batch sits before the scored columns (GRPO: prompt, then a sampled completion) the scored
    /// columns are read as text, so a sampled <c>&lt;|image_pad|&gt;</c> id cannot be mistaken for an image. When images
    /// sit inside the scored columns (SFT scores everything after the first token) the sequence is encoded as a whole.
    /// </remarks>
    public PolicyLogProbs LogProbsOfLastTokens(MultimodalBatch sequences, int count, double temperature = 1.0, bool withEntropy = false)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        if (ImagesBefore(sequences, count))
        {
            var result = Model.ComputeTokenLogProbs(sequences, count, temperature, withEntropy);
            return new PolicyLogProbs(result.LogProbs, result.Entropy);
        }
        return WholeSequenceLogProbs(sequences, count, temperature, withEntropy);
    }

    private bool ImagesBefore(MultimodalBatch sequences, int count)
    {
        if (sequences.ImageGridThw is null) return true;
        long images = sequences.ImageGridThw.shape[0];
        long prefix = sequences.SequenceLength - count;
        if (prefix <= 0) return images == 0;
        using var scope = NewDisposeScope();
        long starts = Scalars.Equal(sequences.InputIds.narrow(1, 0, prefix), Model.Tokens.VisionStartTokenId).sum().to(CPU).item<long>();
        return starts >= images;
    }

    private PolicyLogProbs WholeSequenceLogProbs(MultimodalBatch sequences, int count, double temperature, bool withEntropy)
    {
        long total = sequences.SequenceLength;
        if (count < 1 || count >= total) throw new ArgumentOutOfRangeException(nameof(count), $"{count} scored columns of a {total}-column sequence.");
        using var scope = NewDisposeScope();
        using var output = Model.Forward(sequences, null, LogitsMode.None);
        var hidden = output.HiddenStates.narrow(1, total - count - 1, count);
        var targets = sequences.InputIds.to(Model.Device).narrow(1, total - count, count);
        var logProbs = new List<Tensor>();
        var entropies = new List<Tensor>();
        const int chunk = 64;
        for (long start = 0; start < count; start += chunk)
        {
            long len = Math.Min(chunk, count - start);
            var logits = Model.Logits(hidden.narrow(1, start, len));
            if (temperature != 1.0) logits = Scalars.Div(logits, temperature);
            var lse = logits.logsumexp(-1, keepdim: false);
            logProbs.Add(logits.gather(-1, targets.narrow(1, start, len).unsqueeze(-1)).squeeze(-1) - lse);
            if (withEntropy)
            {
                using var _ = no_grad();
                var d = logits.detach();
                var l = lse.detach();
                entropies.Add(l - ((d - l.unsqueeze(-1)).exp() * d).sum(-1));
            }
        }
        var lp = cat(logProbs, 1).MoveToOuterDisposeScope();
        var ent = withEntropy ? cat(entropies, 1).MoveToOuterDisposeScope() : null;
        return new PolicyLogProbs(lp, ent);
    }


    /// <inheritdoc />
    public SampledCompletions Generate(MultimodalBatch prompts, int samplesPerPrompt, SamplingSettings settings, long seed, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var options = new GenerationOptions
        {
            MaxNewTokens = settings.MaxNewTokens,
            Temperature = settings.Temperature,
            TopP = settings.TopP,
            TopK = settings.TopK,
            StopTokenIds = _stopTokenIds,
            Seed = seed,
        };
        var result = new CompletionGenerator(Model).Generate(prompts.To(Model.Device), options, samplesPerPrompt, cancellationToken);
        var (ids, mask) = result.ToPaddedTensors(Model.Tokens.PadTokenId);
        long width = ids.shape[1];
        var logProbs = new float[result.Completions.Count * width];
        for (int i = 0; i < result.Completions.Count; i++)
            for (int j = 0; j < result.Completions[i].LogProbs.Count; j++)
                logProbs[i * width + j] = result.Completions[i].LogProbs[j];
        return new SampledCompletions(ids, mask, result.Completions.Select(c => c.FinishReason == FinishReason.Length).ToArray())
        {
            LogProbs = tensor(logProbs, [result.Completions.Count, width]),
        };
    }

    /// <inheritdoc />
    public IPolicyModel CreateFrozenCopy()
    {
        var copy = Model.CreateUninitialised();
        using (no_grad())
        {
            var source = Model.state_dict();
            foreach (var (name, tensor) in copy.state_dict())
                tensor.copy_(source[name]);
        }
        foreach (var p in copy.parameters()) p.requires_grad = false;
        copy.eval();
        if (Lora is { Enabled: true } lora) lora.MergeInto(copy);
        return new QwenPolicy(copy, _stopTokenIds);
    }

    /// <inheritdoc />
    /// <remarks>With a LoRA adapter, a view of this policy's model with the adapter off (no copy); otherwise <see cref="CreateFrozenCopy"/>.</remarks>
    public IPolicyModel CreateReference() => Lora is { } lora ? new AdapterOffReference(this, lora) : CreateFrozenCopy();

    /// <inheritdoc />
    /// <remarks>With a LoRA adapter, the adapter alone (<c>adapter_config.json</c>, <c>adapter_model.safetensors</c>); otherwise the whole model.</remarks>
    public void SaveWeights(string directory)
    {
        if (Lora is { } lora) lora.Save(directory, BaseModelNameOrPath);
        else Model.SavePretrained(directory);
    }

    /// <inheritdoc />
    /// <remarks>With a LoRA adapter, reads an adapter folder into it; otherwise a whole model of the policy's family and configuration, read straight into its weights.</remarks>
    /// <exception cref="CheckpointException">The folder's weights do not fit the policy's model (the tensor is named).</exception>
    public void LoadWeights(string directory)
    {
        if (Lora is { } lora) lora.Load(directory);
        else if (Model is Qwen3VLModel qwen3) Qwen3VLCheckpoint.LoadWeights(qwen3, directory);
        else CheckpointLoader.LoadWeights((Qwen25VLModel)Model, directory);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Lora?.Dispose();
        Model.Dispose();
    }
}
