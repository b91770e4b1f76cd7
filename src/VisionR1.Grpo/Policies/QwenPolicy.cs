using TorchSharp.Modules;
using VisionR1.Inputs;
using VisionR1.Model;
using VisionR1.Model.Checkpoints;
using VisionR1.Model.Generation;
using static TorchSharp.torch;

namespace VisionR1.Grpo.Policies;

/// <summary>
/// The Qwen2.5-VL model of VisionR1.Core as a GRPO/SFT policy: chunked log-probabilities
/// (<see cref="Qwen25VLModel.ComputeTokenLogProbs"/>, no full-vocabulary log-softmax), KV-cache sampling of G
/// completions per prompt (<see cref="CompletionGenerator"/>), weights in the Hugging Face layout
/// (<see cref="CheckpointSaver"/> / <see cref="CheckpointLoader"/>). The vision tower is every parameter named
/// <c>visual.*</c> (encoder and merger).
/// </summary>
public sealed class QwenPolicy : IPolicyModel
{
    private readonly IReadOnlyList<int>? _stopTokenIds;

    /// <summary>Wraps <paramref name="model"/> (not copied; the policy disposes it). Stop tokens default to the config's <c>eos_token_id</c>.</summary>
    public QwenPolicy(Qwen25VLModel model, IReadOnlyList<int>? stopTokenIds = null)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        _stopTokenIds = stopTokenIds;
    }

    /// <summary>Loads a Hugging Face folder (config.json + safetensors) onto <paramref name="device"/> in <paramref name="dtype"/>.</summary>
    public static QwenPolicy Load(string directory, Device? device = null, ScalarType dtype = ScalarType.Float32) =>
        new(CheckpointLoader.Load(directory, device, dtype));

    /// <summary>The wrapped model.</summary>
    public Qwen25VLModel Model { get; }

    /// <inheritdoc />
    public nn.Module Module => Model;

    /// <inheritdoc />
    public IReadOnlyList<Parameter> TrainableParameters(bool freezeVisionTower) =>
        Model.named_parameters()
            .Where(p => !freezeVisionTower || !p.name.StartsWith("visual.", StringComparison.Ordinal))
            .Select(p => p.parameter)
            .ToList();

    /// <inheritdoc />
    public PolicyLogProbs LogProbsOfLastTokens(MultimodalBatch sequences, int count, double temperature = 1.0, bool withEntropy = false)
    {
        var result = Model.ComputeTokenLogProbs(sequences, count, temperature, withEntropy);
        return new PolicyLogProbs(result.LogProbs, result.Entropy);
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
        var (ids, mask) = result.ToPaddedTensors(Model.Config.Tokens.PadTokenId);
        return new SampledCompletions(ids, mask, result.Completions.Select(c => c.FinishReason == FinishReason.Length).ToArray());
    }

    /// <inheritdoc />
    public IPolicyModel CreateFrozenCopy()
    {
        var copy = new Qwen25VLModel(Model.Config, Model.Device, Model.DType);
        using (no_grad())
        {
            var source = Model.state_dict();
            foreach (var (name, tensor) in copy.state_dict())
                tensor.copy_(source[name]);
        }
        foreach (var p in copy.parameters()) p.requires_grad = false;
        copy.eval();
        return new QwenPolicy(copy, _stopTokenIds);
    }

    /// <inheritdoc />
    public void SaveWeights(string directory) => CheckpointSaver.Save(Model, directory);

    /// <inheritdoc />
    public void LoadWeights(string directory) => CheckpointLoader.LoadWeights(Model, directory);

    /// <inheritdoc />
    public void Dispose() => Model.Dispose();
}
