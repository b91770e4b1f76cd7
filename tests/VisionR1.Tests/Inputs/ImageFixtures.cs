using System.Runtime.InteropServices;
using SkiaSharp;

namespace VisionR1.Tests.Inputs;

/// <summary>Encoded test images made in memory: Skia for PNG/JPEG/WebP, hand-written BMP and GIF, crafted headers.</summary>
internal static class ImageFixtures
{
    public static SKBitmap Bitmap(int width, int height, Func<int, int, SKColor> color)
    {
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        var bytes = new byte[width * height * 4];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var c = color(x, y);
                var i = ((y * width) + x) * 4;
                bytes[i] = c.Red;
                bytes[i + 1] = c.Green;
                bytes[i + 2] = c.Blue;
                bytes[i + 3] = c.Alpha;
            }
        }

        Marshal.Copy(bytes, 0, bitmap.GetPixels(), bytes.Length);
        return bitmap;
    }

    public static byte[] Encode(int width, int height, Func<int, int, SKColor> color, SKEncodedImageFormat format, int quality = 95)
    {
        using var bitmap = Bitmap(width, height, color);
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(format, quality);
        return data.ToArray();
    }

    public static byte[] Png(int width, int height, Func<int, int, SKColor> color) => Encode(width, height, color, SKEncodedImageFormat.Png);

    public static SKColor Noise(int x, int y) => new((byte)((x * 37) ^ (y * 11)), (byte)((x * 7) + (y * 13)), (byte)((x * y) + 5));

    public static SKColor LeftRedRightBlue(int x, int y, int width) => x < width / 2 ? new SKColor(255, 0, 0) : new SKColor(0, 0, 255);

    /// <summary>A 24-bit bottom-up BMP.</summary>
    public static byte[] Bmp(int width, int height, Func<int, int, SKColor> color)
    {
        var rowSize = ((width * 3) + 3) & ~3;
        var pixelBytes = rowSize * height;
        using var stream = new MemoryStream();
        using var w = new BinaryWriter(stream);
        w.Write((byte)'B');
        w.Write((byte)'M');
        w.Write(54 + pixelBytes);
        w.Write(0);
        w.Write(54);
        w.Write(40);
        w.Write(width);
        w.Write(height);
        w.Write((short)1);
        w.Write((short)24);
        w.Write(0);
        w.Write(pixelBytes);
        w.Write(2835);
        w.Write(2835);
        w.Write(0);
        w.Write(0);
        for (var y = height - 1; y >= 0; y--)
        {
            for (var x = 0; x < width; x++)
            {
                var c = color(x, y);
                w.Write(c.Blue);
                w.Write(c.Green);
                w.Write(c.Red);
            }

            for (var p = width * 3; p < rowSize; p++)
            {
                w.Write((byte)0);
            }
        }

        w.Flush();
        return stream.ToArray();
    }

    /// <summary>
    /// A GIF with a 4-colour palette and one full-size frame per entry of <paramref name="frames"/>
    /// (palette indices, row-major). LZW data is written with a clear code every two pixels so the code width stays 3 bits.
    /// </summary>
    public static byte[] Gif(int width, int height, SKColor[] palette, params byte[][] frames)
    {
        using var stream = new MemoryStream();
        using var w = new BinaryWriter(stream);
        w.Write("GIF89a"u8.ToArray());
        w.Write((short)width);
        w.Write((short)height);
        w.Write((byte)0x81); // global colour table, 4 entries
        w.Write((byte)0);
        w.Write((byte)0);
        for (var i = 0; i < 4; i++)
        {
            var c = i < palette.Length ? palette[i] : SKColors.Black;
            w.Write(c.Red);
            w.Write(c.Green);
            w.Write(c.Blue);
        }

        foreach (var frame in frames)
        {
            // Graphic control extension: 10 ms delay, no transparency.
            w.Write(new byte[] { 0x21, 0xF9, 0x04, 0x00, 0x01, 0x00, 0x00, 0x00 });
            w.Write((byte)0x2C);
            w.Write((short)0);
            w.Write((short)0);
            w.Write((short)width);
            w.Write((short)height);
            w.Write((byte)0);
            w.Write((byte)2); // LZW minimum code size
            var bits = new List<bool>();
            void Code(int code)
            {
                for (var b = 0; b < 3; b++)
                {
                    bits.Add(((code >> b) & 1) == 1);
                }
            }

            for (var i = 0; i < frame.Length; i++)
            {
                if (i % 2 == 0)
                {
                    Code(4); // clear
                }

                Code(frame[i]);
            }

            Code(5); // end of information
            var data = new byte[(bits.Count + 7) / 8];
            for (var i = 0; i < bits.Count; i++)
            {
                if (bits[i])
                {
                    data[i / 8] |= (byte)(1 << (i % 8));
                }
            }

            for (var offset = 0; offset < data.Length; offset += 255)
            {
                var n = Math.Min(255, data.Length - offset);
                w.Write((byte)n);
                w.Write(data, offset, n);
            }

            w.Write((byte)0);
        }

        w.Write((byte)0x3B);
        w.Flush();
        return stream.ToArray();
    }

    /// <summary>Inserts an EXIF APP1 segment with the given orientation right after the JPEG's SOI marker.</summary>
    public static byte[] WithExifOrientation(byte[] jpeg, ushort orientation)
    {
        byte[] tiff =
        [
            (byte)'I', (byte)'I', 0x2A, 0x00, 0x08, 0x00, 0x00, 0x00, // little-endian header, IFD at 8
            0x01, 0x00, // one entry
            0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, (byte)orientation, (byte)(orientation >> 8), 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, // no next IFD
        ];
        var payload = "Exif\0\0"u8.ToArray().Concat(tiff).ToArray();
        var length = payload.Length + 2;
        var segment = new byte[] { 0xFF, 0xE1, (byte)(length >> 8), (byte)length }.Concat(payload);
        return jpeg.Take(2).Concat(segment).Concat(jpeg.Skip(2)).ToArray();
    }

    /// <summary>A PNG signature and IHDR declaring <paramref name="width"/>×<paramref name="height"/> RGB, then IEND: a header-only "bomb".</summary>
    public static byte[] PngHeaderOnly(int width, int height)
    {
        using var stream = new MemoryStream();
        stream.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        WriteBigEndian(ihdr, 0, (uint)width);
        WriteBigEndian(ihdr, 4, (uint)height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // RGB
        Chunk(stream, "IHDR", ihdr);
        Chunk(stream, "IDAT", [0x78, 0x9C, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01]);
        Chunk(stream, "IEND", []);
        return stream.ToArray();
    }

    private static void Chunk(Stream stream, string type, byte[] data)
    {
        var header = new byte[8];
        WriteBigEndian(header, 0, (uint)data.Length);
        var typeBytes = System.Text.Encoding.ASCII.GetBytes(type);
        typeBytes.CopyTo(header, 4);
        stream.Write(header);
        stream.Write(data);
        var crc = new byte[4];
        WriteBigEndian(crc, 0, Crc32([.. typeBytes, .. data]));
        stream.Write(crc);
    }

    private static void WriteBigEndian(byte[] buffer, int offset, uint value)
    {
        buffer[offset] = (byte)(value >> 24);
        buffer[offset + 1] = (byte)(value >> 16);
        buffer[offset + 2] = (byte)(value >> 8);
        buffer[offset + 3] = (byte)value;
    }

    private static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }
}
