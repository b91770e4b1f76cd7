using TorchSharp;
using Parameter = TorchSharp.Modules.Parameter;
using VisionR1.Model.Layers;
using static TorchSharp.torch;

namespace VisionR1.Model.Lora;

/// <summary>
/// A LoRA adapter attached to the language model's linear layers of a <see cref="QwenVLModel"/> of either family (see
/// <see cref="LoraConfig"/>). Owns the adapter parameters (fp32, on the model's device), which are not part of the
/// model's state dict: train <see cref="Parameters"/> and freeze the model. <see cref="Disable"/> switches the
/// adapter off for a scope, which turns the model back into its base (the KL reference without a second copy);
/// <see cref="Merge"/> folds W += (α / r) B A into the base weights and detaches. Files: <see cref="PeftAdapterFiles"/>.
/// </summary>
/// <example>
/// <code>
/// using var lora = LoraAdapters.Attach(model, new LoraConfig { Rank = 16, Alpha = 32, TargetModules = ["q_proj", "k_proj", "v_proj", "o_proj"] }, seed: 1);
/// // train lora.Parameters ...
/// using (lora.Disable()) { /* reference log-probs of the base */ }
/// lora.Save("adapter", baseModelNameOrPath: "Qwen/Qwen2.5-VL-7B-Instruct");
/// </code>
/// </example>
public sealed class LoraAdapters : IDisposable
{
    private readonly QwenVLModel _model;
    private readonly List<(Linear Linear, LoraLayer Layer)> _layers;
    private readonly LoraSwitch _switch;
    private bool _detached;

    private LoraAdapters(QwenVLModel model, LoraConfig config, List<(Linear, LoraLayer)> layers, LoraSwitch onOff)
    {
        _model = model;
        Config = config;
        _layers = layers;
        _switch = onOff;
    }

    /// <summary>
    /// Attaches a new adapter to every targeted linear layer of <paramref name="model"/>'s language model, A drawn from
    /// <paramref name="seed"/> (layers in name order), B zero.
    /// </summary>
    /// <exception cref="ArgumentException">The config is invalid, or it targets no layer (the message lists the layer names it could have used).</exception>
    /// <exception cref="InvalidOperationException">The model already has an adapter attached.</exception>
    public static LoraAdapters Attach(QwenVLModel model, LoraConfig config, long seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        var candidates = LanguageModelLinears(model);
        if (candidates.Any(c => c.Linear.Adapter is not null))
            throw new InvalidOperationException("The model already has a LoRA adapter attached; merge or dispose it first.");
        var chosen = candidates.Where(c => config.Targets(c.Name)).ToList();
        if (chosen.Count == 0)
        {
            var kinds = candidates.Select(c => c.Name[(c.Name.LastIndexOf('.') + 1)..]).Distinct(StringComparer.Ordinal);
            throw new ArgumentException(
                $"LoRA target_modules [{string.Join(", ", config.TargetModules)}] match no linear layer of the language model; its layers are named {string.Join(", ", kinds)} (or use {LoraConfig.AllLinear}).");
        }
        var onOff = new LoraSwitch();
        var device = model.Device;
        var generator = new Generator((ulong)seed, device);
        var layers = new List<(Linear, LoraLayer)>();
        try
        {
            foreach (var (name, linear) in chosen)
            {
                var layer = new LoraLayer(name, linear.weight.shape[1], linear.weight.shape[0], config, onOff, device, generator);
                layers.Add((linear, layer));
                linear.Adapter = layer;
            }
        }
        catch
        {
            foreach (var (linear, layer) in layers)
            {
                linear.Adapter = null;
                layer.Dispose();
            }
            throw;
        }
        finally
        {
            generator.Dispose();
        }
        return new LoraAdapters(model, config, layers, onOff);
    }

    /// <summary>The adapter's configuration.</summary>
    public LoraConfig Config { get; }

    /// <summary>The model the adapter is attached to.</summary>
    public QwenVLModel Model => _model;

    /// <summary>Whether the adapter takes part in forward passes.</summary>
    public bool Enabled => _switch.Enabled && !_detached;

    /// <summary>The adapted layers' names in the model, in name order.</summary>
    public IReadOnlyList<string> LayerNames => _layers.Select(l => l.Layer.Name).ToList();

    /// <summary>The adapter's parameters (lora_A then lora_B per layer, in layer-name order): what LoRA training optimises.</summary>
    public IReadOnlyList<Parameter> Parameters
    {
        get
        {
            ThrowIfDetached();
            return _layers.SelectMany(l => new[] { l.Layer.A, l.Layer.B }).ToList();
        }
    }

    /// <summary>Trainable parameter count (r · (in + out) per adapted layer).</summary>
    public long ParameterCount => _layers.Sum(l => l.Layer.A.numel() + l.Layer.B.numel());

    /// <summary>
    /// The adapter's tensors under PEFT's saved names: <c>base_model.model.{layer}.lora_A.weight</c> and
    /// <c>….lora_B.weight</c> (PEFT drops the adapter name, e.g. <c>default</c>, when it saves), with the layer
    /// names of the Hub checkpoints (Qwen2.5-VL's <c>model.layers.{i}.self_attn.q_proj</c>, Qwen3-VL's
    /// <c>model.language_model.layers.{i}.self_attn.q_proj</c>).
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> NamedTensors()
    {
        ThrowIfDetached();
        return _layers.SelectMany(l => new[]
        {
            new KeyValuePair<string, Tensor>(PeftAdapterFiles.KeyOf(l.Layer.Name, "lora_A"), (Tensor)l.Layer.A),
            new KeyValuePair<string, Tensor>(PeftAdapterFiles.KeyOf(l.Layer.Name, "lora_B"), (Tensor)l.Layer.B),
        }).ToList();
    }

    /// <summary>Switches the adapter off until the returned scope is disposed (then back to its previous state): the model computes as its base.</summary>
    public IDisposable Disable()
    {
        ThrowIfDetached();
        bool before = _switch.Enabled;
        _switch.Enabled = false;
        return new Restore(_switch, before);
    }

    /// <summary>
    /// Folds the adapter into the base weights (W += (α / r) · B A, computed in fp32 and rounded once to the weight
    /// dtype) and detaches it: afterwards the model alone computes what model + adapter did, and this object is spent.
    /// </summary>
    public void Merge()
    {
        MergeInto(_model);
        DetachAndDispose();
    }

    /// <summary>
    /// Adds the adapter's update to the same-named weights of <paramref name="target"/> (a model of the same
    /// configuration, e.g. a frozen copy of the base), leaving this adapter attached and unchanged.
    /// </summary>
    /// <exception cref="ArgumentException">The target lacks an adapted layer or its shape differs.</exception>
    public void MergeInto(QwenVLModel target)
    {
        ArgumentNullException.ThrowIfNull(target);
        ThrowIfDetached();
        var linears = LanguageModelLinears(target).ToDictionary(l => l.Name, l => l.Linear, StringComparer.Ordinal);
        using var _ = no_grad();
        foreach (var (_, layer) in _layers)
        {
            if (!linears.TryGetValue(layer.Name, out var linear) || linear.weight.shape[0] != layer.B.shape[0] || linear.weight.shape[1] != layer.A.shape[1])
                throw new ArgumentException($"The target model has no layer {layer.Name} of shape [{layer.B.shape[0]}, {layer.A.shape[1]}].", nameof(target));
            using var w32 = linear.weight.to_type(ScalarType.Float32);
            using var delta = layer.DeltaWeight(ScalarType.Float32);
            using var merged = w32.add_(delta);
            linear.weight.copy_(merged);
        }
    }

    /// <summary>Writes <c>adapter_config.json</c> and <c>adapter_model.safetensors</c> (PEFT's layout) into <paramref name="directory"/>.</summary>
    public void Save(string directory, string? baseModelNameOrPath = null)
    {
        ThrowIfDetached();
        PeftAdapterFiles.Write(directory, Config, NamedTensors(), baseModelNameOrPath);
    }

    /// <summary>Copies the tensors of a PEFT adapter folder into this adapter, checking every key and shape (the config must match this adapter's).</summary>
    /// <exception cref="Checkpoints.CheckpointException">A file is missing or malformed, the configs differ, or a tensor is missing, unexpected or of the wrong shape; the message names it.</exception>
    public void Load(string directory)
    {
        ThrowIfDetached();
        var config = PeftAdapterFiles.ReadConfig(directory);
        if (config.Rank != Config.Rank || config.Alpha != Config.Alpha || !LayerNames.SequenceEqual(LanguageModelLinears(_model).Where(c => config.Targets(c.Name)).Select(c => c.Name)))
            throw new Checkpoints.CheckpointException(
                $"{Path.Combine(directory, PeftAdapterFiles.ConfigFileName)}: r={config.Rank}, lora_alpha={config.Alpha}, target_modules [{string.Join(", ", config.TargetModules)}] differ from the attached adapter's r={Config.Rank}, lora_alpha={Config.Alpha}, [{string.Join(", ", Config.TargetModules)}].");
        PeftAdapterFiles.ReadTensorsInto(directory, NamedTensors());
    }

    /// <summary>Reads a PEFT adapter folder and attaches it to <paramref name="model"/>.</summary>
    /// <exception cref="Checkpoints.CheckpointException">A file is missing or malformed or a tensor does not fit; the message names it.</exception>
    public static LoraAdapters LoadInto(QwenVLModel model, string directory)
    {
        ArgumentNullException.ThrowIfNull(model);
        var config = PeftAdapterFiles.ReadConfig(directory);
        var adapters = Attach(model, config, seed: 0);
        try
        {
            PeftAdapterFiles.ReadTensorsInto(directory, adapters.NamedTensors());
            return adapters;
        }
        catch
        {
            adapters.Dispose();
            throw;
        }
    }

    /// <summary>Detaches the adapter from the model (which computes as its base again) and frees its parameters.</summary>
    public void Dispose()
    {
        if (!_detached) DetachAndDispose();
    }

    private void DetachAndDispose()
    {
        foreach (var (linear, layer) in _layers)
        {
            if (ReferenceEquals(linear.Adapter, layer)) linear.Adapter = null;
            layer.Dispose();
        }
        _detached = true;
    }

    private void ThrowIfDetached()
    {
        if (_detached) throw new ObjectDisposedException(nameof(LoraAdapters), "The adapter was merged or disposed.");
    }

    /// <summary>
    /// Whether a training-mode forward pass of <paramref name="model"/> draws random numbers: an active adapter with dropout.
    /// Draws come from libtorch's shared generator, so passes run side by side would take them in an order that depends
    /// on thread timing; trainers run such passes in turn.
    /// </summary>
    public static bool DrawsInTraining(QwenVLModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return LanguageModelLinears(model).Any(c => c.Linear.Adapter is { Active: true, Dropout: > 0 });
    }

    /// <summary>Every linear layer of the language model's decoder layers (under <see cref="QwenVLModel.TextLayersPrefix"/>) with its name, in name order.</summary>
    private static List<(string Name, Linear Linear)> LanguageModelLinears(QwenVLModel model) =>
        model.named_modules()
            .Where(m => m.module is Linear && m.name.StartsWith(model.TextLayersPrefix, StringComparison.Ordinal))
            .Select(m => (m.name, (Linear)m.module))
            .OrderBy(m => m.name, StringComparer.Ordinal)
            .ToList();

    private sealed class Restore(LoraSwitch onOff, bool state) : IDisposable
    {
        private bool _done;

        public void Dispose()
        {
            if (_done) return;
            _done = true;
            onOff.Enabled = state;
        }
    }
}
