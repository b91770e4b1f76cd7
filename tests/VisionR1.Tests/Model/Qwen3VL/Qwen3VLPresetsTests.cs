using VisionR1.Model.Config;
using VisionR1.Model.Qwen3VL;
using VisionR1.Runtime;
using static TorchSharp.torch;

namespace VisionR1.Tests.Model.Qwen3VL;

/// <summary>The Qwen3-VL presets: the released sizes build to their published parameter counts, the small ones to the compact tokenizer.</summary>
public sealed class Qwen3VLPresetsTests
{
    public Qwen3VLPresetsTests() => VisionR1Runtime.Initialize("cpu");

    private static long Count(Qwen3VLConfig config)
    {
        using var model = new Qwen3VLModel(config, META);
        return model.parameters().Sum(p => p.numel());
    }

    [Theory]
    // The Hub lists 8.77B for Qwen3-VL-8B-Instruct; the other sizes round to their names (2.13B, 4.44B, 33.4B).
    [InlineData("2b", 2_127_532_032L)]
    [InlineData("4b", 4_437_815_808L)]
    [InlineData("8b", 8_767_123_696L)]
    [InlineData("32b", 33_357_390_064L)]
    public void Released_sizes_build_to_their_parameter_counts_on_the_meta_device(string name, long expected) =>
        Assert.Equal(expected, Count(Qwen3VLPresets.ByName(name)));

    [Fact]
    public void Released_sizes_state_the_hub_configs()
    {
        foreach (var c in new[] { Qwen3VLPresets.Qwen2B, Qwen3VLPresets.Qwen4B, Qwen3VLPresets.Qwen8B, Qwen3VLPresets.Qwen32B })
        {
            c.Validate();
            Assert.Equal(151936, c.Text.VocabSize);
            Assert.Equal(128, c.Text.HeadDim);
            Assert.Equal(8, c.Text.NumKeyValueHeads);
            Assert.Equal([24, 20, 20], c.Text.MropeSection);
            Assert.Equal(5_000_000, c.Text.RopeTheta);
            Assert.Equal(262144, c.Text.MaxPositionEmbeddings);
            Assert.Equal(16, c.Vision.PatchSize);
            Assert.Equal(2304, c.Vision.NumPositionEmbeddings);
            Assert.Equal(c.Text.HiddenSize, c.Vision.OutHiddenSize);
            Assert.Same(ModelTokenIds.Qwen25VL, c.Tokens);
        }
        Assert.True(Qwen3VLPresets.Qwen2B.Text.TieWordEmbeddings && Qwen3VLPresets.Qwen4B.Text.TieWordEmbeddings);
        Assert.False(Qwen3VLPresets.Qwen8B.Text.TieWordEmbeddings || Qwen3VLPresets.Qwen32B.Text.TieWordEmbeddings);
        Assert.Equal([5, 11, 17], Qwen3VLPresets.Qwen4B.Vision.DeepstackVisualIndexes);
        Assert.Equal([8, 16, 24], Qwen3VLPresets.Qwen8B.Vision.DeepstackVisualIndexes);
        Assert.Equal((1024, 24), (Qwen3VLPresets.Qwen2B.Vision.HiddenSize, Qwen3VLPresets.Qwen2B.Vision.Depth));
        Assert.Equal((1152, 27), (Qwen3VLPresets.Qwen32B.Vision.HiddenSize, Qwen3VLPresets.Qwen32B.Vision.Depth));
    }

    [Fact]
    public void Small_presets_keep_the_architecture_with_the_compact_tokenizer()
    {
        Assert.Equal(6_444_928, Count(Qwen3VLPresets.Small));
        Assert.Equal(257_824, Count(Qwen3VLPresets.Tiny));
        foreach (var c in new[] { Qwen3VLPresets.Small, Qwen3VLPresets.Tiny })
        {
            c.Validate();
            Assert.Same(ModelTokenIds.Compact, c.Tokens);
            Assert.Equal(1024, c.Text.VocabSize);
            Assert.NotEmpty(c.Vision.DeepstackVisualIndexes);
            Assert.Equal(16, c.Vision.PatchSize);
            Assert.Equal(c.Text.HeadDim / 2, c.Text.MropeSection.Sum());
        }
    }

    [Fact]
    public void Names_are_found_with_or_without_the_command_line_prefix()
    {
        Assert.Same(Qwen3VLPresets.Qwen8B, Qwen3VLPresets.ByName("qwen3-vl-8b"));
        Assert.Same(Qwen3VLPresets.Qwen8B, Qwen3VLPresets.ByName(" 8B "));
        Assert.Same(Qwen3VLPresets.Small, Qwen3VLPresets.ByName("Qwen3-VL-Small"));
        Assert.True(Qwen3VLPresets.IsCommandLineName("qwen3-vl-32b"));
        Assert.False(Qwen3VLPresets.IsCommandLineName("7b"));
        var e = Assert.Throws<ArgumentException>(() => Qwen3VLPresets.ByName("qwen3-vl-7b"));
        Assert.Contains("qwen3-vl-8b", e.Message);
    }
}
