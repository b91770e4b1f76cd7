namespace VisionR1.Model.Config;

/// <summary>Thrown when a model configuration is missing a field, has a wrong type or is inconsistent; the message names the field.</summary>
public sealed class ModelConfigException : Exception
{
    /// <summary>Creates the exception for <paramref name="field"/>.</summary>
    public ModelConfigException(string field, string message, Exception? inner = null)
        : base($"Model config field '{field}': {message}", inner)
    {
        Field = field;
        Detail = message;
    }

    /// <summary>The offending field, in config.json spelling (e.g. "vision_config.num_heads").</summary>
    public string Field { get; }

    /// <summary>What is wrong with the field, without the field name.</summary>
    public string Detail { get; }
}
