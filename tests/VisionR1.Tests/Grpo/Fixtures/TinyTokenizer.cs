using VisionR1.Text;

namespace VisionR1.Tests.Grpo.Fixtures;

/// <summary>A 17-token vocabulary for the digit-sum task: end-of-sequence (also padding), begin, digits, '+', '=', "&lt;a&gt;", "&lt;/a&gt;", 'x'.</summary>
public sealed class TinyTokenizer : ITextTokenizer
{
    public const int Eos = 0, Bos = 1, Plus = 12, EqualsSign = 13, Open = 14, Close = 15, Junk = 16;
    public const int Size = 17;

    public static int Digit(int d) => 2 + d;

    public IReadOnlyList<int> Encode(string text, bool allowSpecial = true)
    {
        var ids = new List<int>();
        for (int i = 0; i < text.Length;)
        {
            if (text.AsSpan(i).StartsWith("<a>")) { ids.Add(Open); i += 3; }
            else if (text.AsSpan(i).StartsWith("</a>")) { ids.Add(Close); i += 4; }
            else
            {
                char c = text[i++];
                ids.Add(c switch { >= '0' and <= '9' => Digit(c - '0'), '+' => Plus, '=' => EqualsSign, _ => Junk });
            }
        }
        return ids;
    }

    public string Decode(IEnumerable<int> ids, bool skipSpecial = false) =>
        string.Concat(ids.Select(id => id switch
        {
            Eos => skipSpecial ? "" : "<eos>",
            Bos => skipSpecial ? "" : "<bos>",
            >= 2 and <= 11 => ((char)('0' + id - 2)).ToString(),
            Plus => "+",
            EqualsSign => "=",
            Open => "<a>",
            Close => "</a>",
            _ => "x",
        }));

    public int VocabularySize => Size;

    public SpecialTokenIds Special { get; } = new(Eos, Bos, Eos, -1, -1, -1, -1);

    public void Save(string directory) => File.WriteAllText(Path.Combine(directory, "tiny_tokenizer.txt"), "digit-sum vocabulary v1");
}
