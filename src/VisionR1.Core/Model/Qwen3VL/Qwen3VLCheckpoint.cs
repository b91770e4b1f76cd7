using VisionR1.Model.Checkpoints;
using static TorchSharp.torch;

namespace VisionR1.Model.Qwen3VL;

/// <summary>
/// Loads a Hugging Face Qwen3-VL folder: <c>config.json</c> plus <c>model.safetensors</c> or a sharded
/// <c>model.safetensors.index.json</c>. The checkpoint keys are the module names (<c>model.visual.*</c>,
/// <c>model.language_model.*</c>, <c>lm_head.weight</c> unless tied; transformers maps none). The safetensors headers are
/// checked against the config's layer and block counts and embedding shape before anything is allocated; then the model is
/// built with uninitialised weights and each tensor is read and copied into place one at a time.
/// </summary>
public static class Qwen3VLCheckpoint
{
    /// <summary>Loads the model in <paramref name="directory"/> onto <paramref name="device"/> (default CPU) as <paramref name="dtype"/>.</summary>
    /// <exception cref="Config.ModelConfigException">config.json is missing a field or inconsistent (named).</exception>
    /// <exception cref="CheckpointException">Files are missing or malformed, the headers disagree with the config, or tensors are missing, unexpected or mis-shaped (named).</exception>
    public static Qwen3VLModel Load(string directory, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        var config = Qwen3VLConfig.Load(directory);
        CheckpointLoader.CheckHeaders(directory, key => key, new CheckpointLoader.HeaderShape(
            "model.language_model.layers.", "text_config.num_hidden_layers", config.Text.NumHiddenLayers,
            "model.visual.blocks.", "vision_config.depth", config.Vision.Depth,
            "model.language_model.embed_tokens.weight", "text_config.vocab_size", config.Text.VocabSize, "text_config.hidden_size", config.Text.HiddenSize));
        var model = new Qwen3VLModel(config, device, dtype);
        try
        {
            LoadWeights(model, directory);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes <paramref name="model"/> into <paramref name="directory"/> as a Hugging Face folder that this loader and
    /// transformers' <c>Qwen3VLForConditionalGeneration</c> read: config.json in the Hub's nested layout
    /// (<see cref="Qwen3VLConfig.ToJson"/>) and the weights under their Hub keys, converted to <paramref name="dtype"/>
    /// (default the model's), in one <c>model.safetensors</c> or, with <paramref name="maxShardBytes"/>, in shards of at most
    /// that size with <c>model.safetensors.index.json</c>, as <see cref="CheckpointSaver"/> writes them.
    /// </summary>
    public static void Save(Qwen3VLModel model, string directory, ScalarType? dtype = null, long? maxShardBytes = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        CheckpointSaver.Write(model, directory, dtype, maxShardBytes, model.Config.Save);
    }

    /// <summary>Copies the weights of <paramref name="directory"/> into an existing model, checking every key and shape.</summary>
    /// <exception cref="CheckpointException">Tensors are missing, unexpected, duplicated or mis-shaped (named).</exception>
    public static void LoadWeights(Qwen3VLModel model, string directory)
    {
        ArgumentNullException.ThrowIfNull(model);
        CheckpointLoader.CopyWeights(model, directory, key => key, model.Config.Text.TieWordEmbeddings);
    }
}
