using Microsoft.Extensions.AI;
using VisionR1.Data.Synthetic;
using VisionR1.Grpo.Policies;
using VisionR1.Inputs;
using VisionR1.Model;
using VisionR1.Model.Config;
using VisionR1.Model.Generation;
using VisionR1.Runtime;
using VisionR1.Text;
using static TorchSharp.torch;
using ChatTurn = VisionR1.Inputs.ChatTurn;

namespace VisionR1.Tests.Model;

/// <summary>The local model as a chat client and as a GRPO policy.</summary>
public sealed class LocalModelChatClientTests
{
    public LocalModelChatClientTests() => VisionR1Runtime.Initialize("cpu");

    private static byte[] WorldImage() =>
        new SyntheticWorldGenerator(new SyntheticWorldOptions { Seed = 1, ImageSize = 56 }).Generate(SyntheticSplit.Test, 1).Single().Images[0].Bytes!;

    [Fact]
    public async Task Chat_client_answers_an_image_message_with_usage_and_the_same_text_for_the_same_seed()
    {
        using var model = new Qwen25VLModel(Qwen25VLPresets.Tiny);
        model.InitializeWeights(3);
        var template = new ChatTemplate(CompactTokenizerTrainer.TrainDefault(), ChatTemplateOptions.NoSystemPrompt);
        using var client = new LocalModelChatClient(model, template, defaults: new GenerationOptions { MaxNewTokens = 12, Temperature = 1.0 });
        ChatMessage message = new(ChatRole.User, [new DataContent(WorldImage(), "image/png"), new TextContent("How many shapes?")]);
        var options = new ChatOptions { Seed = 7, MaxOutputTokens = 9 };

        var a = await client.GetResponseAsync([message], options);
        var b = await client.GetResponseAsync([message], options);

        Assert.Equal(a.Text, b.Text);
        Assert.InRange(a.Usage!.OutputTokenCount!.Value, 1, 9);
        var expectedPrompt = template.Encode(client.ToTurns([message]), addGenerationPrompt: true).Length;
        Assert.Equal(expectedPrompt, a.Usage.InputTokenCount);
        Assert.True(a.Usage.InputTokenCount > 4, "the image's pad tokens count as input");
        Assert.True(a.FinishReason == ChatFinishReason.Stop || (a.FinishReason == ChatFinishReason.Length && a.Usage.OutputTokenCount == 9));
        Assert.Throws<ArgumentException>(() => client.ToTurns([new ChatMessage(ChatRole.User, [new DataContent(new byte[] { 1 }, "application/pdf")])]));
    }

    [Fact]
    public void Policy_scores_a_whole_conversation_and_a_prompt_plus_completion_alike_and_its_frozen_copy_agrees()
    {
        var model = new Qwen25VLModel(Qwen25VLPresets.Tiny); // the policy disposes it
        model.InitializeWeights(11);
        var template = new ChatTemplate(CompactTokenizerTrainer.TrainDefault(), ChatTemplateOptions.NoSystemPrompt);
        using var policy = new QwenPolicy(model, [template.Tokenizer.Special.ImEnd]);
        var image = new ImageProcessor().Process(WorldImage(), "world");
        var turns = new List<ChatTurn> { ChatTurn.User(new ImagePart(image), new TextPart("Count.")), ChatTurn.Assistant("There are 3.") };
        var full = template.Encode(turns, addGenerationPrompt: false);
        var prompt = template.Encode(turns.Take(1).ToList(), addGenerationPrompt: true);
        int completion = full.Length - prompt.Length;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var batch = MultimodalCollator.Collate([full], template.Tokenizer.Special);

        // SFT scores every column after the first (images inside the scored part); GRPO scores only the completion.
        var all = policy.LogProbsOfLastTokens(batch, full.Length - 1).LogProbs;
        var tail = policy.LogProbsOfLastTokens(batch, completion).LogProbs;
        Assert.Equal(full.Length - 1, (int)all.shape[1]);
        Assert.True(allclose(all[.., ^completion..], tail, rtol: 1e-4, atol: 1e-4));

        using var frozen = policy.CreateFrozenCopy();
        Assert.All(frozen.Module.parameters(), p => Assert.False(p.requires_grad));
        Assert.True(allclose(frozen.LogProbsOfLastTokens(batch, completion).LogProbs, tail, rtol: 1e-5, atol: 1e-5));
    }
}
