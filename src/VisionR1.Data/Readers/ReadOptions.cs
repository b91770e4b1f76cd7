namespace VisionR1.Data.Readers;

/// <summary>How a reader treats its input.</summary>
/// <param name="DataRoot">Folder that relative image paths are resolved against (default: the input file's folder). Paths that leave it are refused.</param>
/// <param name="Strict">Fail at the first malformed line or row instead of skipping and counting it.</param>
/// <param name="RequireImageFiles">Check that image files named by path exist (a missing file is a malformed item).</param>
/// <param name="MaxLineBytes">
/// The longest JSON Lines line read (default <see cref="VisionR1.IO.BoundedLineReader.DefaultMaxLineBytes"/>, 16 MiB); a longer
/// one is named (file:line) and skipped like any malformed item while it streams past, without being held in memory.
/// </param>
public sealed record ReadOptions(string? DataRoot = null, bool Strict = false, bool RequireImageFiles = true, int MaxLineBytes = VisionR1.IO.BoundedLineReader.DefaultMaxLineBytes);
