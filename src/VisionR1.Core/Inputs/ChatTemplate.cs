using System.Globalization;
using System.Text;
using VisionR1.Text;

namespace VisionR1.Inputs;

/// <summary>
/// The Qwen chat templates (Qwen2.5-VL's, Qwen3-VL Instruct's and Thinking's; see <see cref="ChatTemplateStyle"/>):
/// renders turns as <c>&lt;|im_start|&gt;{role}\n{content}&lt;|im_end|&gt;\n</c>, images as
/// <c>&lt;|vision_start|&gt;&lt;|image_pad|&gt;&lt;|vision_end|&gt;</c>, inserts the default system
/// turn when the first turn is not a system turn (unless the options omit it), and appends
/// <c>&lt;|im_start|&gt;assistant\n</c> (Thinking: followed by <c>&lt;think&gt;\n</c>) as the generation prompt. <see cref="Encode"/> produces
/// token ids with each image pad expanded to the image's merged-token count, and SFT labels.
/// </summary>
/// <param name="tokenizer">The tokenizer whose special ids and BPE are used.</param>
/// <param name="options">Template settings; null for the released template's behaviour.</param>
public sealed class ChatTemplate(ITextTokenizer tokenizer, ChatTemplateOptions? options = null)
{
    /// <summary>The label value ignored by the loss (PyTorch's cross-entropy default).</summary>
    public const int IgnoreIndex = -100;

    private readonly ITextTokenizer _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));

    /// <summary>The settings in use.</summary>
    public ChatTemplateOptions Options { get; } = options ?? ChatTemplateOptions.Qwen;

    /// <summary>The tokenizer in use.</summary>
    public ITextTokenizer Tokenizer => _tokenizer;

    /// <summary>
    /// Renders the prompt text exactly as Hugging Face's <c>apply_chat_template(..., tokenize=False)</c>
    /// does: one <c>&lt;|image_pad|&gt;</c> per image, or, with <paramref name="expandImagePads"/>,
    /// as many as the image's merged-token count (the processor's expansion).
    /// </summary>
    public string Render(IReadOnlyList<ChatTurn> turns, bool addGenerationPrompt, bool expandImagePads = false)
    {
        var text = new StringBuilder();
        foreach (var segment in Segments(turns, addGenerationPrompt))
        {
            if (segment.Special is { } special)
            {
                var count = expandImagePads ? segment.Repeat : Math.Min(segment.Repeat, 1);
                for (var i = 0; i < count; i++)
                {
                    text.Append(special);
                }
            }
            else
            {
                text.Append(segment.Text);
            }
        }

        return text.ToString();
    }

    /// <summary>
    /// Tokenizes the conversation. Template markers become special ids; message text is encoded
    /// as plain text (text that merely looks like a special token stays text); each image becomes
    /// <c>&lt;|vision_start|&gt;</c>, <see cref="ProcessedImage.MergedTokenCount"/> × <c>&lt;|image_pad|&gt;</c>,
    /// <c>&lt;|vision_end|&gt;</c>. Adjacent text is encoded as one string, so for ordinary text the ids equal
    /// <c>tokenizer.Encode(Render(turns, …, expandImagePads: true))</c>.
    /// Labels keep the tokens of assistant content (as the template writes it: for Thinking, with its
    /// <c>&lt;think&gt;</c> block) and each assistant turn's <c>&lt;|im_end|&gt;</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A turn has no role.</exception>
    public TokenizedConversation Encode(IReadOnlyList<ChatTurn> turns, bool addGenerationPrompt)
    {
        var special = _tokenizer.Special;
        var ids = new List<int>();
        var labels = new List<int>();
        var images = new List<ProcessedImage>();
        var run = new List<Segment>();

        void FlushRun()
        {
            if (run.Count == 0)
            {
                return;
            }

            EncodeRun(run, ids, labels);
            run.Clear();
        }

        foreach (var segment in Segments(turns, addGenerationPrompt))
        {
            if (segment.Special is null)
            {
                run.Add(segment);
                continue;
            }

            FlushRun();
            var id = segment.Special switch
            {
                SpecialTokenNames.ImStart => special.ImStart,
                SpecialTokenNames.ImEnd => special.ImEnd,
                SpecialTokenNames.VisionStart => special.VisionStart,
                SpecialTokenNames.VisionEnd => special.VisionEnd,
                SpecialTokenNames.ImagePad => special.ImagePad,
                _ => throw new InvalidOperationException($"Unexpected template token {segment.Special}."),
            };
            if (segment.Image is not null)
            {
                images.Add(segment.Image);
            }

            for (var i = 0; i < segment.Repeat; i++)
            {
                ids.Add(id);
                labels.Add(segment.Labelled ? id : IgnoreIndex);
            }
        }

        FlushRun();
        return new TokenizedConversation(ids, labels, images);
    }

    private void EncodeRun(List<Segment> run, List<int> ids, List<int> labels)
    {
        var full = _tokenizer.Encode(string.Concat(run.Select(s => s.Text)), allowSpecial: false);
        if (run.All(s => s.Labelled == run[0].Labelled))
        {
            foreach (var id in full)
            {
                ids.Add(id);
                labels.Add(run[0].Labelled ? id : IgnoreIndex);
            }

            return;
        }

        // Mixed run (e.g. "assistant\n" + content): find where each segment's tokens start by
        // encoding the prefixes; a token straddling a boundary belongs to the later segment.
        var boundaries = new int[run.Count + 1];
        var prefix = new StringBuilder();
        for (var j = 0; j < run.Count - 1; j++)
        {
            prefix.Append(run[j].Text);
            var encoded = _tokenizer.Encode(prefix.ToString(), allowSpecial: false);
            var common = 0;
            while (common < encoded.Count && common < full.Count && encoded[common] == full[common])
            {
                common++;
            }

            boundaries[j + 1] = Math.Max(boundaries[j], common);
        }

        boundaries[run.Count] = full.Count;
        for (var j = 0; j < run.Count; j++)
        {
            for (var t = boundaries[j]; t < boundaries[j + 1]; t++)
            {
                ids.Add(full[t]);
                labels.Add(run[j].Labelled ? full[t] : IgnoreIndex);
            }
        }
    }

    private readonly record struct Segment(string? Text, string? Special, int Repeat, bool Labelled, ProcessedImage? Image);

    private IEnumerable<Segment> Segments(IReadOnlyList<ChatTurn> turns, bool addGenerationPrompt)
    {
        ArgumentNullException.ThrowIfNull(turns);
        var style = Options.Style;
        var qwen3 = style != ChatTemplateStyle.Qwen25VL;
        var lastQuery = style == ChatTemplateStyle.Qwen3VLThinking ? LastQueryIndex(turns) : -1;
        var imageCount = 0;
        for (var i = 0; i < turns.Count; i++)
        {
            var turn = turns[i] ?? throw new ArgumentException($"Turn {i} is null.", nameof(turns));
            if (string.IsNullOrEmpty(turn.Role))
            {
                throw new ArgumentException($"Turn {i} has no role.", nameof(turns));
            }

            if (i == 0 && turn.Role != ChatTurn.SystemRole && Options.DefaultSystemMessage is { } system)
            {
                yield return Mark(SpecialTokenNames.ImStart);
                yield return Text(ChatTurn.SystemRole + "\n" + system);
                yield return Mark(SpecialTokenNames.ImEnd);
                yield return Text("\n");
            }

            if (qwen3) CheckQwen3Turn(turn, i, style);
            var assistant = turn.Role == ChatTurn.AssistantRole;
            yield return Mark(SpecialTokenNames.ImStart);
            if (assistant && style == ChatTemplateStyle.Qwen3VLThinking)
            {
                yield return Text(ChatTurn.AssistantRole + "\n");
                yield return Text(ThinkingAssistantContent(turn.Text, i > lastQuery, i == turns.Count - 1), labelled: true);
            }
            else
            {
                yield return Text(turn.Role + "\n");
                foreach (var part in turn.Parts ?? [])
                {
                    switch (part)
                    {
                        case TextPart text:
                            yield return Text(text.Text ?? string.Empty, assistant);
                            break;
                        case ImagePart image:
                            imageCount++;
                            if (Options.AddVisionId)
                            {
                                yield return Text(string.Create(CultureInfo.InvariantCulture, $"Picture {imageCount}: "));
                            }

                            yield return Mark(SpecialTokenNames.VisionStart);
                            yield return new Segment(null, SpecialTokenNames.ImagePad, image.Image.MergedTokenCount, false, image.Image);
                            yield return Mark(SpecialTokenNames.VisionEnd);
                            break;
                        case ImageRefPart reference:
                            throw new ArgumentException($"Turn {i} holds the unloaded image {reference.Image}; resolve the conversation with ImageLoader.Resolve before encoding.", nameof(turns));
                        default:
                            throw new ArgumentException($"Turn {i} has an unsupported part {part?.GetType().Name ?? "null"}.", nameof(turns));
                    }
                }
            }

            yield return Mark(SpecialTokenNames.ImEnd, assistant);
            yield return Text("\n");
        }

        if (addGenerationPrompt)
        {
            yield return Mark(SpecialTokenNames.ImStart);
            yield return Text(ChatTurn.AssistantRole + "\n" + (style == ChatTemplateStyle.Qwen3VLThinking ? "<think>\n" : string.Empty));
        }
    }

    private static Segment Text(string text, bool labelled = false) => new(text, null, 1, labelled, null);

    private static Segment Mark(string token, bool labelled = false) => new(null, token, 1, labelled, null);

    /// <summary>
    /// Refuses what the Qwen3-VL templates would drop without a trace: roles other than system, user and assistant
    /// (tool turns are not supported), images outside user turns, and (Instruct) a system turn that is not first.
    /// </summary>
    private static void CheckQwen3Turn(ChatTurn turn, int index, ChatTemplateStyle style)
    {
        var role = turn.Role;
        if (role is not (ChatTurn.SystemRole or ChatTurn.UserRole or ChatTurn.AssistantRole))
            throw new ArgumentException($"Turn {index} has the role '{role}'; the {style} template renders only system, user and assistant turns.", "turns");
        if (role != ChatTurn.UserRole && (turn.Parts ?? []).Any(p => p is not TextPart))
            throw new ArgumentException($"Turn {index} ({role}) holds an image; the {style} template writes images only in user turns.", "turns");
        if (role == ChatTurn.SystemRole && index > 0 && style == ChatTemplateStyle.Qwen3VLInstruct)
            throw new ArgumentException($"Turn {index} is a system turn after the first; the {style} template would drop it.", "turns");
    }

    /// <summary>
    /// The Thinking template's last query: the index of the last user turn whose text is not a tool response
    /// (<c>&lt;tool_response&gt;…&lt;/tool_response&gt;</c>), or the last turn's index when there is none.
    /// </summary>
    private static int LastQueryIndex(IReadOnlyList<ChatTurn> turns)
    {
        for (var i = turns.Count - 1; i >= 0; i--)
        {
            if (turns[i] is { Role: ChatTurn.UserRole } user && RenderedText(user) is var text
                && !(text.StartsWith("<tool_response>", StringComparison.Ordinal) && text.EndsWith("</tool_response>", StringComparison.Ordinal)))
                return i;
        }

        return turns.Count - 1;
    }

    /// <summary>A turn's content as the template writes it, one image marker per image (what the tool-response test sees).</summary>
    private static string RenderedText(ChatTurn turn) => string.Concat((turn.Parts ?? []).Select(p => p is TextPart t
        ? t.Text ?? string.Empty
        : SpecialTokenNames.VisionStart + SpecialTokenNames.ImagePad + SpecialTokenNames.VisionEnd));

    /// <summary>
    /// The body of an assistant turn in the Thinking template. Reasoning is the text before the first
    /// <c>&lt;/think&gt;</c> (after the last <c>&lt;think&gt;</c> before it), the answer the text after the last one, newlines trimmed as
    /// the template trims them. After the last query the turn is written <c>&lt;think&gt;\n{reasoning}\n&lt;/think&gt;\n\n{answer}</c>
    /// when it is the conversation's last turn or has reasoning; otherwise, and before the last query, only the answer.
    /// </summary>
    private static string ThinkingAssistantContent(string content, bool afterLastQuery, bool last)
    {
        var reasoning = string.Empty;
        const string close = "</think>";
        var firstClose = content.IndexOf(close, StringComparison.Ordinal);
        if (firstClose >= 0)
        {
            // content.split('</think>')[0].rstrip('\n').split('<think>')[-1].lstrip('\n')
            var before = content[..firstClose].TrimEnd('\n');
            var open = before.LastIndexOf("<think>", StringComparison.Ordinal);
            reasoning = (open >= 0 ? before[(open + "<think>".Length)..] : before).TrimStart('\n');
            // content.split('</think>')[-1].lstrip('\n')
            content = content[(content.LastIndexOf(close, StringComparison.Ordinal) + close.Length)..].TrimStart('\n');
        }

        return afterLastQuery && (last || reasoning.Length > 0)
            ? "<think>\n" + reasoning.Trim('\n') + "\n</think>\n\n" + content.TrimStart('\n')
            : content;
    }
}
