namespace VisionR1.Model.Checkpoints;

/// <summary>
/// The two weight-name schemes of Qwen2.5-VL weights: the Hub's (<c>visual.*</c>, <c>model.*</c>,
/// <c>lm_head.weight</c>), which every <c>save_pretrained</c> writes (seen with transformers v4.49,
/// v4.57 and v5.2), and the names of transformers' own modules since v4.52 (<c>model.visual.*</c>,
/// <c>model.language_model.*</c>, <c>lm_head.weight</c>), which <c>save_pretrained</c> converts back
/// but which appear in files written straight from a <c>state_dict()</c> (e.g. by
/// <c>safetensors.torch.save_file</c> or a training framework's own saver). The model uses the Hub scheme.
/// </summary>
public static class HfWeightNames
{
    /// <summary>Maps a checkpoint key of either scheme to the Hub scheme.</summary>
    public static string ToHub(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.StartsWith("model.visual.", StringComparison.Ordinal)) return key["model.".Length..];
        if (key.StartsWith("model.language_model.", StringComparison.Ordinal)) return "model." + key["model.language_model.".Length..];
        return key;
    }
}
