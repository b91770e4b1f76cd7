using VisionR1.Inputs;
using VisionR1.Model;
using VisionR1.Model.Config;
using VisionR1.Model.Generation;
using VisionR1.Text;
using static TorchSharp.torch;

namespace VisionR1.Tests.Model;

/// <summary>The model against the real inputs stack: compact tokenizer, chat template, image processor and collator.</summary>
public sealed class PipelineContractTests
{
    [Fact]
    public void Collated_chat_prompts_generate_and_both_completion_batches_score_the_sampled_log_probs()
    {
        using var model = ModelTestData.Tiny();
        using var scope = NewDisposeScope();
        var tokenizer = CompactTokenizerTrainer.TrainDefault();
        Assert.Equal(model.Config.Tokens, ModelTokenIds.From(tokenizer.Special));

        var rng = new Random(5);
        var pixels = new byte[84 * 56 * 3];
        rng.NextBytes(pixels);
        var image = new ImageProcessor().Process(new RgbImage(84, 56, pixels), "random.png"); // 56×84 → grid (1, 4, 6)
        var template = new ChatTemplate(tokenizer);
        var prompts = new[]
        {
            template.Encode([ChatTurn.User(new ImagePart(image), new TextPart("What is the area of the shape?"))], addGenerationPrompt: true),
            template.Encode([ChatTurn.User("How many sides?")], addGenerationPrompt: true),
        };
        var batch = MultimodalCollator.Collate(prompts, tokenizer.Special);
        Assert.Equal(image.MergedTokenCount, batch.InputIds.eq(tokenizer.Special.ImagePad).sum().item<long>());

        const int g = 2;
        var result = new CompletionGenerator(model).Generate(batch, new GenerationOptions { MaxNewTokens = 6, Temperature = 0.8, Seed = 9 }, g);
        Assert.All(result.Completions, c =>
        {
            Assert.NotEmpty(c.TokenIds);
            Assert.DoesNotContain(c.TokenIds, t => t == tokenizer.Special.ImagePad || t == tokenizer.Special.VideoPad);
            Assert.NotNull(tokenizer.Decode(c.TokenIds));
        });

        using var fromGeneration = CompletionBatchBuilder.FromGeneration(model, batch, result);
        using var fromCollator = MultimodalCollator.CollateCompletions(
            Enumerable.Range(0, prompts.Length * g).Select(r => prompts[r / g]).ToList(),
            result.Completions.Select(c => c.TokenIds).ToList(), tokenizer.Special);
        Assert.Equal(fromCollator.Inputs.InputIds.shape, fromGeneration.Inputs.InputIds.shape);
        Assert.Equal(fromCollator.PromptLength, fromGeneration.PromptLength);
        Assert.Equal(fromCollator.Inputs.InputIds.data<long>().ToArray(), fromGeneration.Inputs.InputIds.data<long>().ToArray());
        Assert.Equal(fromCollator.Inputs.AttentionMask.data<long>().ToArray(), fromGeneration.Inputs.AttentionMask.data<long>().ToArray());
        Assert.Equal(fromCollator.CompletionMask.data<long>().ToArray(), fromGeneration.CompletionMask.data<long>().ToArray());
        Assert.Equal(fromCollator.Inputs.ImageGridThw!.data<long>().ToArray(), fromGeneration.Inputs.ImageGridThw!.data<long>().ToArray());

        using var a = model.ComputeTokenLogProbs(fromGeneration, temperature: 0.8);
        using var b = model.ComputeTokenLogProbs(fromCollator, temperature: 0.8);
        for (int r = 0; r < result.Completions.Count; r++)
        {
            var sampled = result.Completions[r].LogProbs;
            var x = a.LogProbs[r].data<float>().ToArray();
            var y = b.LogProbs[r].data<float>().ToArray();
            for (int j = 0; j < sampled.Count; j++)
            {
                Assert.True(Math.Abs(x[j] - sampled[j]) < 1e-4, $"row {r} token {j}: {x[j]} vs sampled {sampled[j]}");
                Assert.Equal(x[j], y[j]);
            }
        }
    }
}
