using VisionR1.Inputs;
using VisionR1.Runtime;
using VisionR1.Text;
using static TorchSharp.torch;

namespace VisionR1.Tests.Inputs;

public sealed class MultimodalCollatorTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly ByteLevelBpeTokenizer _tokenizer;
    private readonly ChatTemplate _template;
    private readonly ProcessedImage _a; // 84×56 → 24 patches
    private readonly ProcessedImage _b; // 112×112 → 64 patches
    private readonly ProcessedImage _c; // 56×56 → 16 patches

    public MultimodalCollatorTests()
    {
        VisionR1Runtime.Initialize("cpu");
        _tokenizer = TokenizerLoader.FromFolder(TokenizerFixture.WriteVocabAndMerges(_temp.Path));
        _template = new ChatTemplate(_tokenizer, ChatTemplateOptions.NoSystemPrompt);
        var processor = new ImageProcessor();
        _a = processor.Process(ChatTemplateTests.Gray(84, 56), "a.png");
        _b = processor.Process(ChatTemplateTests.Gray(112, 112), "b.png");
        _c = processor.Process(ChatTemplateTests.Gray(56, 56), "c.png");
    }

    public void Dispose() => _temp.Dispose();

    private TokenizedConversation[] Prompts() =>
    [
        _template.Encode([ChatTurn.User(new ImagePart(_a), new TextPart("How many?"))], addGenerationPrompt: true),
        _template.Encode([ChatTurn.User(new ImagePart(_b), new TextPart("Compare with"), new ImagePart(_c), new TextPart("and count all the triangles."))], addGenerationPrompt: true),
        _template.Encode([ChatTurn.User("Text only.")], addGenerationPrompt: true),
    ];

    [Fact]
    public void Prompts_are_left_padded_with_patches_and_grids_in_order()
    {
        var items = Prompts();
        using var batch = MultimodalCollator.Collate(items, _tokenizer.Special);
        var length = items.Max(i => i.Length);
        Assert.Equal(new long[] { 3, length }, batch.InputIds.shape);
        Assert.Equal(ScalarType.Int64, batch.InputIds.dtype);
        Assert.Equal(ScalarType.Int64, batch.AttentionMask.dtype);
        var ids = batch.InputIds.data<long>().ToArray();
        var mask = batch.AttentionMask.data<long>().ToArray();
        for (var b = 0; b < items.Length; b++)
        {
            var pad = length - items[b].Length;
            for (var t = 0; t < length; t++)
            {
                var at = (b * length) + t;
                if (t < pad)
                {
                    Assert.Equal(_tokenizer.Special.EndOfText, ids[at]);
                    Assert.Equal(0, mask[at]);
                }
                else
                {
                    Assert.Equal(items[b].InputIds[t - pad], ids[at]);
                    Assert.Equal(1, mask[at]);
                }
            }
        }

        Assert.NotNull(batch.PixelValues);
        Assert.Equal(new long[] { 24 + 64 + 16, 1176 }, batch.PixelValues!.shape);
        Assert.Equal(ScalarType.Float32, batch.PixelValues.dtype);
        var pixels = batch.PixelValues.data<float>().ToArray();
        Assert.Equal(_a.Patches, pixels[..(24 * 1176)]);
        Assert.Equal(_b.Patches, pixels[(24 * 1176)..(88 * 1176)]);
        Assert.Equal(_c.Patches, pixels[(88 * 1176)..]);
        Assert.Equal(new long[] { 1, 4, 6, 1, 8, 8, 1, 4, 4 }, batch.ImageGridThw!.data<long>().ToArray());
        Assert.Equal(batch.PixelValues.shape[0] / 4, ids.LongCount(id => id == _tokenizer.Special.ImagePad));
    }

    [Fact]
    public void Text_only_batches_have_no_pixels()
    {
        using var batch = MultimodalCollator.Collate([Prompts()[2]], _tokenizer.Special);
        Assert.Null(batch.PixelValues);
        Assert.Null(batch.ImageGridThw);
    }

    [Fact]
    public void Pad_count_mismatch_is_reported_with_the_item()
    {
        var good = Prompts()[0];
        var bad = good with { Images = [_b] };
        var ex = Assert.Throws<ArgumentException>(() => MultimodalCollator.Collate([good, bad], _tokenizer.Special));
        Assert.Contains("Item 1", ex.Message);
        Assert.Contains("16", ex.Message);
    }

    [Fact]
    public void Sft_labels_are_left_padded_with_ignore_index()
    {
        var convs = new[]
        {
            _template.Encode([ChatTurn.User(new ImagePart(_a), new TextPart("q")), ChatTurn.Assistant("<answer>3</answer>")], false),
            _template.Encode([ChatTurn.User("a longer question here"), ChatTurn.Assistant("Wait, it is 12.")], false),
        };
        using var batch = MultimodalCollator.CollateWithLabels(convs, _tokenizer.Special);
        var length = (int)batch.Inputs.SequenceLength;
        var labels = batch.Labels.data<long>().ToArray();
        for (var b = 0; b < 2; b++)
        {
            var pad = length - convs[b].Length;
            Assert.All(labels.Skip(b * length).Take(pad), l => Assert.Equal(ChatTemplate.IgnoreIndex, l));
            Assert.Equal(convs[b].Labels.Select(l => (long)l), labels.Skip((b * length) + pad).Take(convs[b].Length));
        }
    }

    [Fact]
    public void Completion_batch_aligns_completions_after_the_padded_prompts()
    {
        var prompts = Prompts()[..2];
        IReadOnlyList<int>[] completions =
        [
            [.. _tokenizer.Encode("<answer>3</answer>"), _tokenizer.Special.ImEnd],
            [.. _tokenizer.Encode("12")],
        ];
        using var batch = MultimodalCollator.CollateCompletions(prompts, completions, _tokenizer.Special);
        var p = prompts.Max(x => x.Length);
        var c = completions.Max(x => x.Count);
        Assert.Equal(p, batch.PromptLength);
        Assert.Equal(c, batch.CompletionLength);
        Assert.Equal(new long[] { 2, p + c }, batch.CompletionMask.shape);
        var ids = batch.Inputs.InputIds.data<long>().ToArray();
        var mask = batch.Inputs.AttentionMask.data<long>().ToArray();
        var completionMask = batch.CompletionMask.data<long>().ToArray();
        var width = p + c;
        for (var b = 0; b < 2; b++)
        {
            var row = ids.Skip(b * width).Take(width).ToArray();
            Assert.Equal(prompts[b].InputIds.Select(i => (long)i), row.Skip(p - prompts[b].Length).Take(prompts[b].Length));
            Assert.Equal(completions[b].Select(i => (long)i), row.Skip(p).Take(completions[b].Count));
            Assert.All(row.Skip(p + completions[b].Count), id => Assert.Equal(_tokenizer.Special.EndOfText, id));
            var cm = completionMask.Skip(b * width).Take(width).ToArray();
            Assert.Equal(Enumerable.Range(0, width).Select(t => t >= p && t < p + completions[b].Count ? 1L : 0L), cm);
            var am = mask.Skip(b * width).Take(width).ToArray();
            Assert.Equal(Enumerable.Range(0, width).Select(t => (t >= p - prompts[b].Length && t < p + completions[b].Count) ? 1L : 0L), am);
        }

        Assert.Equal(new long[] { 24 + 64 + 16, 1176 }, batch.Inputs.PixelValues!.shape);
        Assert.Throws<ArgumentException>(() => MultimodalCollator.CollateCompletions(prompts, [completions[0]], _tokenizer.Special));
        var pad = Assert.Throws<ArgumentException>(() => MultimodalCollator.CollateCompletions(prompts, [completions[0], [1, _tokenizer.Special.ImagePad]], _tokenizer.Special));
        Assert.Contains("Completion 1", pad.Message);
    }

    [Fact]
    public void A_dispose_scope_owns_every_tensor_of_a_batch()
    {
        CompletionBatch batch;
        using (NewDisposeScope())
        {
            batch = MultimodalCollator.CollateCompletions(Prompts(), [[1], [2, 3], []], _tokenizer.Special);
            Assert.False(batch.Inputs.InputIds.IsInvalid);
        }

        Assert.True(batch.Inputs.InputIds.IsInvalid);
        Assert.True(batch.Inputs.AttentionMask.IsInvalid);
        Assert.True(batch.Inputs.PixelValues!.IsInvalid);
        Assert.True(batch.Inputs.ImageGridThw!.IsInvalid);
        Assert.True(batch.CompletionMask.IsInvalid);
    }
}
