using VisionR1.Data.Records;
using VisionR1.IO;
using VisionR1.Problems;

namespace VisionR1.Data.Readers;

/// <summary>
/// Gives an image a path relative to the folder of a data file being written, so that the file reads back from
/// wherever it is: an image already inside that folder keeps its relative path; any other (a file elsewhere, or bytes only)
/// is copied once under <c>images/</c>, named by its content hash.
/// </summary>
public static class ImagePlacement
{
    /// <summary>The folder, under the data root, that copied images go to.</summary>
    public const string ImagesFolder = "images";

    /// <summary>
    /// The path (forward slashes, relative to <paramref name="root"/>) that a data file in <paramref name="root"/> should name
    /// <paramref name="image"/> by, copying it under <see cref="ImagesFolder"/> when it is not inside the root.
    /// </summary>
    /// <param name="root">The folder of the data file being written.</param>
    /// <param name="image">The image.</param>
    /// <param name="owner">The item id, for the error message.</param>
    /// <param name="index">The image's index in its item, for the error message.</param>
    /// <exception cref="ArgumentException">The image has neither an existing file nor bytes.</exception>
    public static string RelativePath(string root, ImageRef image, string owner, int index)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        ArgumentNullException.ThrowIfNull(image);
        if (image.Path is { } path && File.Exists(path))
            return DataRoot.RelativeInside(root, path) ?? Store(root, File.ReadAllBytes(path));
        var bytes = image.Bytes ?? throw new ArgumentException($"item '{owner}': image {index} has neither an existing file nor bytes");
        return Store(root, bytes);
    }

    private static string Store(string root, byte[] bytes)
    {
        var name = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes))[..32].ToLowerInvariant() + ImageFormats.Extension(bytes);
        var target = Path.Combine(root, ImagesFolder, name);
        if (!File.Exists(target)) AtomicFile.Write(target, stream => stream.Write(bytes, 0, bytes.Length));
        return ImagesFolder + "/" + name;
    }
}
