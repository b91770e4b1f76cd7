namespace VisionR1.Data.Readers;

/// <summary>How a reader treats its input.</summary>
/// <param name="DataRoot">Folder that relative image paths are resolved against (default: the input file's folder). Paths that leave it are refused.</param>
/// <param name="Strict">Fail at the first malformed line or row instead of skipping and counting it.</param>
/// <param name="RequireImageFiles">Check that image files named by path exist (a missing file is a malformed item).</param>
public sealed record ReadOptions(string? DataRoot = null, bool Strict = false, bool RequireImageFiles = true);
