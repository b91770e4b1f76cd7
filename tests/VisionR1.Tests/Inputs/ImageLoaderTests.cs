using VisionR1.Inputs;
using VisionR1.Problems;

namespace VisionR1.Tests.Inputs;

public sealed class ImageLoaderTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-loader-");

    public void Dispose() => _dir.Delete(recursive: true);

    private ImageRef Png(string name, int side)
    {
        var path = Path.Combine(_dir.FullName, name);
        File.WriteAllBytes(path, ImageFixtures.Png(side, side, ImageFixtures.Noise));
        return ImageRef.File(path);
    }

    [Fact]
    public void Without_a_cache_every_load_decodes_and_nothing_is_kept()
    {
        var loader = new ImageLoader();
        var a = Png("a.png", 56);
        var first = loader.Load(a);
        var second = loader.Load(a);
        Assert.NotSame(first, second);
        Assert.Equal(first.Patches, second.Patches);
        Assert.Equal(2, loader.Loads);
        Assert.Equal(0, loader.CachedImages);
    }

    [Fact]
    public void The_cache_serves_repeats_and_evicts_the_least_recently_used_within_its_bound()
    {
        var a = Png("a.png", 56);
        var b = Png("b.png", 56);
        var c = Png("c.png", 56);
        long one = new ImageLoader().Load(a).ResidentBytes;
        var loader = new ImageLoader(cacheBytes: 2 * one); // room for two images
        var pa = loader.Load(a);
        loader.Load(b);
        Assert.Same(pa, loader.Load(a)); // a is now the most recent
        loader.Load(c);                   // evicts b
        Assert.Equal(2, loader.CachedImages);
        Assert.True(loader.CachedBytes <= loader.CacheCapacityBytes);
        Assert.Same(pa, loader.Load(a));
        long before = loader.Loads;
        loader.Load(b);
        Assert.Equal(before + 1, loader.Loads);
        Assert.Equal(2, loader.CacheHits);
    }

    [Fact]
    public void An_image_larger_than_the_cache_is_processed_but_not_kept()
    {
        var loader = new ImageLoader(cacheBytes: 1024);
        loader.Load(Png("a.png", 56));
        Assert.Equal(0, loader.CachedImages);
        Assert.Equal(0, loader.CachedBytes);
    }

    [Fact]
    public void Resolve_replaces_references_with_loaded_images_and_leaves_text_alone()
    {
        var a = Png("a.png", 56);
        var problem = new MathProblem("p", [a], "Find x.", "3");
        var loader = new ImageLoader();
        var resolved = loader.Resolve(ProblemTurns.WithReply(problem, null, "<think>t</think><answer>3</answer>"));
        var user = resolved[0];
        Assert.IsType<ImagePart>(user.Parts[0]);
        Assert.Equal("Find x.", Assert.IsType<TextPart>(user.Parts[1]).Text);
        Assert.Equal(ChatTurn.AssistantRole, resolved[1].Role);
    }

    [Fact]
    public void The_chat_template_refuses_an_unloaded_image_and_names_it()
    {
        var template = new ChatTemplate(VisionR1.Text.CompactTokenizerTrainer.TrainDefault());
        var turns = ProblemTurns.User(new MathProblem("p", [ImageRef.File("/data/x.png")], "q", "a"));
        var e = Assert.Throws<ArgumentException>(() => template.Encode(turns, addGenerationPrompt: true));
        Assert.Contains("/data/x.png", e.Message);
    }

    [Fact]
    public void A_missing_file_is_an_error_naming_it()
    {
        var e = Assert.ThrowsAny<Exception>(() => new ImageLoader().Load(ImageRef.File(Path.Combine(_dir.FullName, "gone.png"))));
        Assert.Contains("gone.png", e.Message);
    }
}
