using System.Text;

namespace VisionR1.Tests.Inputs;

internal static class RandomText
{
    /// <summary>Random well-formed text mixing ASCII, controls, Latin, CJK, combining marks and emoji.</summary>
    public static string Unicode(Random random, int length)
    {
        var text = new StringBuilder();
        for (var i = 0; i < length; i++)
        {
            var pick = random.Next(8);
            int codePoint = pick switch
            {
                0 => random.Next(0x20, 0x7F),
                1 => random.Next(0x00, 0x20),
                2 => random.Next(0xA0, 0x250),
                3 => random.Next(0x4E00, 0x9FFF),
                4 => random.Next(0x300, 0x370),
                5 => random.Next(0x1F300, 0x1FAFF),
                6 => random.Next(0x30, 0x3A),
                _ => random.Next(0x10000, 0x10FFFF),
            };
            if (codePoint is >= 0xD800 and <= 0xDFFF)
            {
                codePoint = 'x';
            }

            text.Append(char.ConvertFromUtf32(codePoint));
        }

        return text.ToString();
    }
}
