using VisionR1.Problems;

namespace VisionR1.Inputs;

/// <summary>
/// Decodes and resizes referenced images when a batch is built (<see cref="ImageProcessor"/>), with an optional
/// bounded least-recently-used cache of processed images. Data sets hold <see cref="ImageRef"/>s only, so their size
/// costs no pixels: resident image memory is at most the cache plus the batch being built. Thread-safe.
/// </summary>
/// <remarks>
/// A processed image keeps its resized 8-bit pixels (a 1024×768 image: 2.3 MB); its 19 MB of float patches are
/// written only into the batch's pixel tensor. A GRPO step encodes each prompt several times (sampling, old and
/// reference log-probs, each update), so a cache that holds one step's images saves the repeated decodes. The
/// default holds none.
/// </remarks>
public sealed class ImageLoader
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ImageRef, LinkedListNode<(ImageRef Key, ProcessedImage Image, long Bytes)>> _index = [];
    private readonly LinkedList<(ImageRef Key, ProcessedImage Image, long Bytes)> _lru = new();
    private long _cachedBytes;
    private long _loads;
    private long _hits;

    /// <summary>A loader that processes with <paramref name="processor"/> (the released defaults when null) and caches up to <paramref name="cacheBytes"/> bytes of processed images (<see cref="ProcessedImage.ResidentBytes"/>; 0: no cache).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="cacheBytes"/> is negative.</exception>
    public ImageLoader(ImageProcessor? processor = null, long cacheBytes = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cacheBytes);
        Processor = processor ?? new ImageProcessor();
        CacheCapacityBytes = cacheBytes;
    }

    /// <summary>The processor images go through.</summary>
    public ImageProcessor Processor { get; }

    /// <summary>The most bytes of processed images the cache keeps (0: no cache).</summary>
    public long CacheCapacityBytes { get; }

    /// <summary>Bytes of processed images cached now.</summary>
    public long CachedBytes { get { lock (_gate) return _cachedBytes; } }

    /// <summary>Images cached now.</summary>
    public int CachedImages { get { lock (_gate) return _index.Count; } }

    /// <summary>Images decoded and processed so far (cache misses).</summary>
    public long Loads => Interlocked.Read(ref _loads);

    /// <summary>Images served from the cache so far.</summary>
    public long CacheHits => Interlocked.Read(ref _hits);

    /// <summary>
    /// The processed image of <paramref name="image"/>: from the cache, or decoded and processed now.
    /// <paramref name="label"/> names the image in errors when it has no path (e.g. "problem 7 image 0").
    /// </summary>
    /// <exception cref="InvalidImageException">The image cannot be decoded or used; the message names it.</exception>
    /// <exception cref="InvalidDataException">The reference has neither a path nor bytes.</exception>
    public ProcessedImage Load(ImageRef image, string? label = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (CacheCapacityBytes > 0)
        {
            lock (_gate)
            {
                if (_index.TryGetValue(image, out var node))
                {
                    _lru.Remove(node);
                    _lru.AddFirst(node);
                    Interlocked.Increment(ref _hits);
                    return node.Value.Image;
                }
            }
        }
        var processed = image.Path is { } path && image.Bytes is null ? Processor.ProcessFile(path)
            : image.Bytes is { } bytes ? Processor.Process(bytes, image.Path ?? label ?? image.ToString())
            : throw new InvalidDataException($"{label ?? "An image"} has neither a path nor bytes.");
        Interlocked.Increment(ref _loads);
        if (CacheCapacityBytes > 0) Add(image, processed);
        return processed;
    }

    /// <summary>The processed images of <paramref name="problem"/>, in order (errors name the problem).</summary>
    public IReadOnlyList<ProcessedImage> Load(MathProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var result = new ProcessedImage[problem.Images.Count];
        for (int i = 0; i < result.Length; i++) result[i] = Load(problem.Images[i], $"problem '{problem.Id}' image {i}");
        return result;
    }

    /// <summary>The conversation with every <see cref="ImageRefPart"/> replaced by the loaded <see cref="ImagePart"/> (the same list when it has none).</summary>
    public IReadOnlyList<ChatTurn> Resolve(IReadOnlyList<ChatTurn> turns)
    {
        ArgumentNullException.ThrowIfNull(turns);
        if (!turns.Any(t => t.Parts.Any(p => p is ImageRefPart))) return turns;
        return turns.Select(t => t.Parts.Any(p => p is ImageRefPart)
            ? t with { Parts = t.Parts.Select(p => p is ImageRefPart r ? new ImagePart(Load(r.Image)) : p).ToList() }
            : t).ToList();
    }

    /// <summary>Empties the cache.</summary>
    public void ClearCache()
    {
        lock (_gate)
        {
            _index.Clear();
            _lru.Clear();
            _cachedBytes = 0;
        }
    }

    private void Add(ImageRef key, ProcessedImage image)
    {
        long bytes = image.ResidentBytes;
        if (bytes > CacheCapacityBytes) return;
        lock (_gate)
        {
            if (_index.ContainsKey(key)) return;
            while (_cachedBytes + bytes > CacheCapacityBytes && _lru.Last is { } oldest)
            {
                _lru.RemoveLast();
                _index.Remove(oldest.Value.Key);
                _cachedBytes -= oldest.Value.Bytes;
            }
            _index[key] = _lru.AddFirst((key, image, bytes));
            _cachedBytes += bytes;
        }
    }
}
