using System.IO.Compression;
using VisionR1.IO;
using VisionR1.Text;

namespace VisionR1.Trainer.Commands;

/// <summary>
/// The released Qwen2.5 tokenizer files that ship next to vr1 (<c>Base/qwen25-tokenizer</c>: tokenizer.json gzipped and
/// tokenizer_config.json, Apache-2.0). Qwen2.5-VL uses the same tokenizer, so its special ids (&lt;|endoftext|&gt; 151643 …
/// &lt;|video_pad|&gt; 151656) are the ones the 3B and 7B presets' configs name.
/// </summary>
public static class ReleasedQwenTokenizer
{
    /// <summary>The folder the files ship in, <c>Base/qwen25-tokenizer</c> next to vr1.</summary>
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "Base", "qwen25-tokenizer");

    /// <summary>Unpacks tokenizer.json and copies tokenizer_config.json into <paramref name="directory"/> (each atomically), then loads them back.</summary>
    /// <exception cref="FileNotFoundException">The shipped files are missing.</exception>
    public static ByteLevelBpeTokenizer WriteTo(string directory)
    {
        var packed = Path.Combine(Folder, "tokenizer.json.gz");
        var config = Path.Combine(Folder, "tokenizer_config.json");
        if (!File.Exists(packed) || !File.Exists(config))
            throw new FileNotFoundException($"The released Qwen2.5 tokenizer files are missing from {Folder}.", packed);
        Directory.CreateDirectory(directory);
        AtomicFile.Write(Path.Combine(directory, "tokenizer.json"), output =>
        {
            using var input = new GZipStream(File.OpenRead(packed), CompressionMode.Decompress);
            input.CopyTo(output);
        });
        AtomicFile.Write(Path.Combine(directory, "tokenizer_config.json"), output =>
        {
            using var input = File.OpenRead(config);
            input.CopyTo(output);
        });
        return TokenizerLoader.FromFolder(directory);
    }
}
