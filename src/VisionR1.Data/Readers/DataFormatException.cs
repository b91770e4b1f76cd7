namespace VisionR1.Data.Readers;

/// <summary>A malformed item in a data file; the message names the file and the line or row.</summary>
public sealed class DataFormatException : Exception
{
    /// <summary>Where the item is, e.g. <c>train.jsonl:12</c> or <c>train.parquet row group 0 row 3</c>.</summary>
    public string Location { get; }

    /// <summary>Creates the exception for an item at <paramref name="location"/>.</summary>
    public DataFormatException(string location, string message, Exception? inner = null)
        : base($"{location}: {message}", inner) => Location = location;
}
