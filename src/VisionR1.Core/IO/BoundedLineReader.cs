using System.Text;

namespace VisionR1.IO;

/// <summary>
/// Reads a text file line by line as UTF-8 bytes with a bounded buffer: a line longer than <see cref="MaxLineBytes"/>
/// is skipped while it streams past (its length is counted, its bytes never held), so one oversized line in a data
/// file costs at most the limit in memory, never its own size. Lines end at <c>\n</c> (a <c>\r</c> before it and a
/// UTF-8 byte-order mark at the start of the file are removed). A returned line's bytes stay valid until the next read.
/// </summary>
public sealed class BoundedLineReader : IDisposable
{
    /// <summary>
    /// The default limit, 16 MiB per line: far above any record of the recipe's data (a 16k-token reasoning chain is
    /// about 64 KB of text; images are referenced by path), far below what would strain a training machine's memory.
    /// </summary>
    public const int DefaultMaxLineBytes = 16 << 20;

    private const int ChunkBytes = 1 << 16;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private byte[] _buffer = new byte[ChunkBytes];
    private int _start, _end;
    private bool _eof;
    private int _number;
    private long _consumed;

    /// <summary>Reads <paramref name="stream"/> from its current position with lines of at most <paramref name="maxLineBytes"/> bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLineBytes"/> is below 1.</exception>
    public BoundedLineReader(Stream stream, int maxLineBytes = DefaultMaxLineBytes, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineBytes, 1);
        _stream = stream;
        MaxLineBytes = maxLineBytes;
        _leaveOpen = leaveOpen;
    }

    /// <summary>Opens <paramref name="path"/> for reading.</summary>
    public static BoundedLineReader Open(string path, int maxLineBytes = DefaultMaxLineBytes) =>
        new(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan), maxLineBytes);

    /// <summary>The longest line returned with its bytes; longer ones come back as <see cref="BoundedLine.IsTooLong"/>.</summary>
    public int MaxLineBytes { get; }

    /// <summary>Bytes of the stream consumed by the lines returned so far (their newlines included).</summary>
    public long Consumed => _consumed;

    /// <summary>Reads the next line; false at the end of the stream.</summary>
    public bool TryReadLine(out BoundedLine line)
    {
        int scanFrom = _start;
        while (true)
        {
            int newline = _buffer.AsSpan(scanFrom, _end - scanFrom).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                newline += scanFrom;
                if (newline - _start > MaxLineBytes)
                {
                    _number++;
                    line = new BoundedLine(_number, default, newline - _start, true);
                }
                else line = Make(_start, newline - _start, endsWithNewline: true);
                _consumed += newline + 1 - _start;
                _start = newline + 1;
                return true;
            }
            if (_end - _start > MaxLineBytes)
            {
                line = SkipTooLong();
                return true;
            }
            if (_eof)
            {
                if (_end > _start)
                {
                    line = Make(_start, _end - _start, endsWithNewline: false);
                    _consumed += _end - _start;
                    _start = _end;
                    return true;
                }
                line = default;
                return false;
            }
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length)
                Array.Resize(ref _buffer, (int)Math.Min((long)_buffer.Length * 2, (long)MaxLineBytes + ChunkBytes));
            scanFrom = _end;
            int read = _stream.Read(_buffer, _end, _buffer.Length - _end);
            if (read == 0) _eof = true;
            else _end += read;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!_leaveOpen) _stream.Dispose();
    }

    private BoundedLine Make(int start, int length, bool endsWithNewline)
    {
        _number++;
        if (_number == 1 && _buffer.AsSpan(start, length).StartsWith("\uFEFF"u8))
        {
            start += 3;
            length -= 3;
        }
        if (length > 0 && _buffer[start + length - 1] == (byte)'\r') length--;
        return new BoundedLine(_number, _buffer.AsMemory(start, length), 0, endsWithNewline);
    }

    private BoundedLine SkipTooLong()
    {
        _number++;
        long length = _end - _start;
        _start = _end = 0;
        while (true)
        {
            int read = _stream.Read(_buffer, 0, _buffer.Length);
            if (read == 0)
            {
                _eof = true;
                _consumed += length;
                return new BoundedLine(_number, default, length, false);
            }
            int newline = _buffer.AsSpan(0, read).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                length += newline;
                _consumed += length + 1;
                _start = newline + 1;
                _end = read;
                return new BoundedLine(_number, default, length, true);
            }
            length += read;
        }
    }
}

/// <summary>One line of a <see cref="BoundedLineReader"/>.</summary>
/// <param name="Number">1-based line number.</param>
/// <param name="Bytes">The line's UTF-8 bytes without its line end (empty when too long); valid until the next read.</param>
/// <param name="TooLongBytes">For a line over the limit, its length in bytes; 0 otherwise.</param>
/// <param name="EndsWithNewline">Whether a newline ended it (false for a last line cut short).</param>
public readonly record struct BoundedLine(int Number, ReadOnlyMemory<byte> Bytes, long TooLongBytes, bool EndsWithNewline)
{
    /// <summary>Whether the line was over the limit (and skipped).</summary>
    public bool IsTooLong => TooLongBytes > 0;

    /// <summary>Whether the line holds only spaces, tabs or nothing.</summary>
    public bool IsBlank => !IsTooLong && Bytes.Span.IndexOfAnyExcept(" \t\r\f\v"u8) < 0;

    /// <summary>The line decoded from UTF-8 (empty for a line too long).</summary>
    public string Text => Encoding.UTF8.GetString(Bytes.Span);

    /// <summary>The reason to give for a line over <paramref name="limit"/> bytes: "line of N bytes is over the limit of M bytes".</summary>
    public string TooLongReason(int limit) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"line of {TooLongBytes:N0} bytes is over the limit of {limit:N0} bytes");
}
