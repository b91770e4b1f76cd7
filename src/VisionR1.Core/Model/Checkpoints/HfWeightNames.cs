namespace VisionR1.Model.Checkpoints;

/// <summary>
/// The two weight-name schemes of Qwen2.5-VL checkpoints: the Hub's (<c>visual.*</c>,
/// <c>model.*</c>, <c>lm_head.weight</c>) and the one newer transformers versions save
/// (<c>model.visual.*</c>, <c>model.language_model.*</c>). The model uses the Hub scheme.
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
