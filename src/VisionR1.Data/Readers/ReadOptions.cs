namespace VisionR1.Data.Readers;

/// <summary>How a reader treats its input.</summary>
/// <param name="DataRoot">Folder that relative image paths are resolved against (default: the input file's folder). Paths that leave it are refused.</param>
/// <param name="Strict">Fail at the first malformed line or row instead of skipping and counting it.</param>
/// <param name="RequireImageFiles">Check that image files named by path exist (a missing file is a malformed item).</param>
/// <param name="MaxLineBytes">
/// The longest JSON Lines line read (default <see cref="VisionR1.IO.BoundedLineReader.DefaultMaxLineBytes"/>, 16 MiB); a longer
/// one is named (file:line) and skipped like any malformed item while it streams past, without being held in memory.
/// </param>
public sealed record ReadOptions(string? DataRoot = null, bool Strict = false, bool RequireImageFiles = true, int MaxLineBytes = VisionR1.IO.BoundedLineReader.DefaultMaxLineBytes)
{
    /// <summary>
    /// How locations name the file (<c>name:line</c>): null (the default) for the file's name without its folder; a command
    /// line tool passes the path as the user gave it, so that a message points at the file wherever it is.
    /// </summary>
    public string? SourceName { get; init; }

    /// <summary>
    /// Whether a problem without an <c>id</c> (or <c>pid</c>) takes its location (<c>name:line</c>) as its id instead of being
    /// malformed. Off by default: evaluation files key their predictions by id. Training data, where an id only names the item
    /// in messages, can leave it out (chat samples always may).
    /// </summary>
    public bool OptionalIds { get; init; }
}
