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
    public void Prompt_encoder_rejects_a_conversation_ending_with_the_assistant()
    {
        var encoder = new ChatPromptEncoder(new ChatTemplate(Tokenizer));
        IReadOnlyList<ChatTurn> turns = [ChatTurn.User("q"), ChatTurn.Assistant("a")];
        var e = Assert.Throws<ArgumentException>(() => encoder.Encode([new GrpoPrompt("p7", "q", "a", turns)]));
        Assert.Contains("p7", e.Message);
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
}
