using VisionR1.Grpo.Policies;
using VisionR1.Grpo.Rollout;
using VisionR1.Grpo.Training;
using VisionR1.Inputs;
using VisionR1.Runtime;
using VisionR1.Text;
using static TorchSharp.torch;

namespace VisionR1.Tests.Grpo;

public sealed class ChatAdapterTests
{
    private static readonly ByteLevelBpeTokenizer Tokenizer = CompactTokenizerTrainer.TrainDefault();

    public ChatAdapterTests() => VisionR1Runtime.Initialize("cpu", threads: 1);

    [Fact]
    public void Prompt_encoder_renders_the_chat_template_up_to_the_assistant_turn_left_padded()
    {
        using var scope = NewDisposeScope();
        var template = new ChatTemplate(Tokenizer, ChatTemplateOptions.NoSystemPrompt);
        var encoder = new ChatPromptEncoder(template);
        var prompts = new[] { new GrpoPrompt("a", "What is 2+2?", "4"), new GrpoPrompt("b", "Hi", "x") };
        using var batch = encoder.Encode(prompts);
        var expected = template.Encode([ChatTurn.User("What is 2+2?")], addGenerationPrompt: true).InputIds;
        var row0 = batch.InputIds[0].data<long>().ToArray();
        Assert.Equal(expected.Select(i => (long)i), row0.Skip(row0.Length - expected.Count));
        Assert.EndsWith("<|im_start|>assistant\n", Tokenizer.Decode(row0.Select(i => (int)i)));
        // The shorter prompt is left-padded with the end-of-text id and masked.
        Assert.Equal(Tokenizer.Special.EndOfText, batch.InputIds[1, 0].item<long>());
        Assert.Equal(0, batch.AttentionMask[1, 0].item<long>());
    }

    [Fact]
    public void Prompt_encoder_decodes_referenced_images_only_when_it_builds_the_batch()
    {
        using var scope = NewDisposeScope();
        var dir = Directory.CreateTempSubdirectory("vr1-lazy-");
        try
        {
            var path = Path.Combine(dir.FullName, "a.png");
            File.WriteAllBytes(path, VisionR1.Tests.Inputs.ImageFixtures.Png(56, 56, VisionR1.Tests.Inputs.ImageFixtures.Noise));
            var loader = new ImageLoader();
            var encoder = new ChatPromptEncoder(new ChatTemplate(Tokenizer, ChatTemplateOptions.NoSystemPrompt), loader);
            var problem = new VisionR1.Problems.MathProblem("p1", [VisionR1.Problems.ImageRef.File(path)], "Find x.", "3");
            var prompt = new GrpoPrompt(problem);
            Assert.Equal(0, loader.Loads);
            using var batch = encoder.Encode([prompt]);
            Assert.Equal(1, loader.Loads);
            Assert.NotNull(batch.PixelValues);
            Assert.Equal(4, batch.InputIds[0].data<long>().ToArray().Count(i => i == Tokenizer.Special.ImagePad)); // 56x56: 4x4 patches, 2x2 merged
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Sft_collator_masks_everything_but_assistant_tokens()
    {
        using var scope = NewDisposeScope();
        var template = new ChatTemplate(Tokenizer);
        var collator = new ChatSftCollator(template);
        IReadOnlyList<ChatTurn> conversation = [ChatTurn.User("What is 2+2?"), ChatTurn.Assistant("<think>2+2</think><answer>4</answer>")];
        using var batch = collator.Collate([conversation]);
        var ids = batch.Inputs.InputIds[0].data<long>().ToArray();
        var mask = batch.LossMask[0].data<long>().ToArray();
        var trained = ids.Where((_, i) => mask[i] == 1).Select(i => (int)i).ToList();
        Assert.Equal("<think>2+2</think><answer>4</answer><|im_end|>", Tokenizer.Decode(trained));
        Assert.Throws<ArgumentException>(() => collator.Collate([[ChatTurn.User("no answer")]]));
    }

    [Fact]
    public void Sft_collator_names_samples_over_its_token_limit_and_refuses_them_before_building_tensors()
    {
        using var scope = NewDisposeScope();
        var template = new ChatTemplate(Tokenizer);
        IReadOnlyList<ChatTurn> shortOne = [ChatTurn.User("What is 2+2?"), ChatTurn.Assistant("4")];
        IReadOnlyList<ChatTurn> longOne = [ChatTurn.User("What is 2+2?"), ChatTurn.Assistant(string.Join(' ', Enumerable.Repeat("four", 200)))];
        int shortLength = template.Encode(shortOne, addGenerationPrompt: false).Length;
        var collator = new ChatSftCollator(template) { MaxSampleTokens = shortLength };
        var unlimited = new ChatSftCollator(template);

        Assert.Null(collator.CheckLength(shortOne));
        Assert.StartsWith("the sample is ", collator.CheckLength(longOne), StringComparison.Ordinal);
        Assert.EndsWith($"tokens, over the limit of {shortLength}", collator.CheckLength(longOne), StringComparison.Ordinal);
        Assert.Null(unlimited.CheckLength(longOne));
        var skipped = new List<int>();
        Assert.Equal([shortOne, shortOne], collator.WithinLength([shortOne, longOne, shortOne], (i, _) => skipped.Add(i)));
        Assert.Equal([1], skipped);
        Assert.Contains("Sample 1: the sample is", Assert.Throws<ArgumentException>(() => collator.Collate([shortOne, longOne])).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChatSftCollator(template) { MaxSampleTokens = 0 });
    }
}
