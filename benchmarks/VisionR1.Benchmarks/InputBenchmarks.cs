using System.Runtime.InteropServices;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using SkiaSharp;
using VisionR1.Answers;
using VisionR1.Inputs;
using VisionR1.Text;

namespace VisionR1.Benchmarks;

/// <summary>
/// Input pipeline speed: a 1024×768 PNG decoded, resized (to 1036×756), normalised and patchified
/// into 3996 × 1176 patches; and tokenizer encode throughput in MB/s on reasoning-style text
/// (the compact tokenizer trained on it, and a larger 8192-entry byte-level BPE standing in for a
/// real vocabulary).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ThroughputConfig))]
public class InputBenchmarks
{
    private byte[] _png = [];
    private RgbImage _decoded = null!;
    private ImageProcessor _processor = null!;
    private string _text = "";
    private ByteLevelBpeTokenizer _compact = null!;
    private ByteLevelBpeTokenizer _large = null!;

    private static readonly Lazy<int> TextByteCount = new(() => Encoding.UTF8.GetByteCount(BuildText(out _)));

    /// <summary>UTF-8 bytes of the encode benchmark's text (read by the MB/s column in the host process).</summary>
    public static int TextBytes => TextByteCount.Value;

    [GlobalSetup]
    public void Setup()
    {
        _png = EncodeNoisePng(1024, 768);
        _processor = new ImageProcessor();
        _decoded = ImageDecoder.Decode(_png, "bench.png", long.MaxValue);
        _text = BuildText(out var corpus);
        _compact = CompactTokenizerTrainer.Train(corpus);
        _large = CompactTokenizerTrainer.Train(corpus, new CompactTokenizerOptions(VocabularySize: 8192));
    }

    /// <summary>Decode + smart resize + bicubic + normalise + patchify of a 1024×768 PNG.</summary>
    [Benchmark]
    public int PreprocessPng1024x768() => _processor.Process(_png, "bench.png").PatchCount;

    /// <summary>The same without PNG decoding (resize, normalise, patchify).</summary>
    [Benchmark]
    public int PreprocessDecoded1024x768() => _processor.Process(_decoded, "bench.png").PatchCount;

    /// <summary>Encode the text with the compact (1024-id) tokenizer.</summary>
    [Benchmark]
    public int EncodeCompact() => _compact.Encode(_text).Count;

    /// <summary>Encode the text with an 8192-id byte-level BPE.</summary>
    [Benchmark]
    public int Encode8192() => _large.Encode(_text).Count;

    /// <summary>Decode the compact tokenizer's ids back to text.</summary>
    [Benchmark]
    public int DecodeCompact() => _compact.Decode(_compact.Encode(_text)).Length;

    private static string BuildText(out List<string> corpus)
    {
        var random = new Random(17);
        var shapes = new[] { "triangle", "circle", "square", "rectangle", "pentagon" };
        corpus = [];
        for (var i = 0; i < 2000; i++)
        {
            var shape = shapes[random.Next(shapes.Length)];
            int a = random.Next(1, 100), b = random.Next(1, 100);
            corpus.Add($"How many {shape}s are there in the image? Answer with a number.");
            corpus.Add(ThinkAnswerFormat.Default.Compose($"First, I count the {shape}s in the picture: I see {a} of them. Wait, let me check again, " +
                       $"there are also {b} behind the large {shape}. So the total is {a} + {b} = {a + b}.", $"{a + b}"));
        }

        return string.Join("\n", corpus.Take(1000));
    }

    private static byte[] EncodeNoisePng(int width, int height)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var bytes = new byte[width * height * 4];
        var random = new Random(3);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var i = ((y * width) + x) * 4;
                // Smooth gradients plus a little noise: compresses like a photo-ish scene, not like pure noise.
                bytes[i] = (byte)((x / 4) + random.Next(8));
                bytes[i + 1] = (byte)((y / 3) + random.Next(8));
                bytes[i + 2] = (byte)(((x + y) / 7) + random.Next(8));
                bytes[i + 3] = 255;
            }
        }

        Marshal.Copy(bytes, 0, bitmap.GetPixels(), bytes.Length);
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 90);
        return data.ToArray();
    }

    /// <summary>Adds an "MB/s" column for the encode/decode benchmarks (UTF-8 bytes of text per second).</summary>
    private sealed class ThroughputConfig : ManualConfig
    {
        public ThroughputConfig() => AddColumn(new MegabytesPerSecondColumn());
    }

    private sealed class MegabytesPerSecondColumn : IColumn
    {
        public string Id => "MBps";

        public string ColumnName => "MB/s";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "UTF-8 megabytes of text processed per second (encode/decode benchmarks only)";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var name = benchmarkCase.Descriptor.WorkloadMethod.Name;
            var report = summary[benchmarkCase];
            if (!(name.StartsWith("Encode", StringComparison.Ordinal) || name.StartsWith("Decode", StringComparison.Ordinal))
                || report?.ResultStatistics is not { } stats || TextBytes == 0)
            {
                return "-";
            }

            return (TextBytes / 1e6 / (stats.Mean / 1e9)).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);
        }

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }
}
