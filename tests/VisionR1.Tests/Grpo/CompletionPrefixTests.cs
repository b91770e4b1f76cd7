using VisionR1.Grpo.Policies;
using VisionR1.Grpo.Rewards;
using VisionR1.Grpo.Rollout;
using VisionR1.Grpo.Rollout.Engines;
using VisionR1.Inputs;
using VisionR1.Problems;
using VisionR1.Tests.Inputs;
using VisionR1.Text;

namespace VisionR1.Tests.Grpo;

/// <summary>
/// Qwen3-VL Thinking's generation prompt already opens <c>&lt;think&gt;</c>, so its completions start inside the thinking: the
/// rewards must read the opened prefix in front of each completion, or the hard format reward scores every one 0.
/// </summary>
public sealed class CompletionPrefixTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly ByteLevelBpeTokenizer _tokenizer;

    public CompletionPrefixTests() => _tokenizer = TokenizerLoader.FromFolder(TokenizerFixture.WriteVocabAndMerges(_temp.Path));

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void The_prompt_encoder_names_what_its_template_opens()
    {
        Assert.Equal("<think>\n", new ChatPromptEncoder(new ChatTemplate(_tokenizer, ChatTemplateOptions.Qwen3VLThinking)).CompletionPrefix);
        Assert.Equal("", new ChatPromptEncoder(new ChatTemplate(_tokenizer, ChatTemplateOptions.Qwen3VLInstruct)).CompletionPrefix);
        Assert.Equal("", new ChatPromptEncoder(new ChatTemplate(_tokenizer, ChatTemplateOptions.NoSystemPrompt)).CompletionPrefix);
        var thinking = new ChatTemplate(_tokenizer, ChatTemplateOptions.Qwen3VLThinking);
        Assert.EndsWith(thinking.GenerationPrefix, thinking.Render([ChatTurn.User(new TextPart("2+2?"))], addGenerationPrompt: true), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<think>\n", 1.0)]
    [InlineData("", 0.0)]
    public void The_hard_format_reward_reads_the_prefix_in_front_of_the_completion(string prefix, double expected)
    {
        // What a Thinking model writes after its prompt: the rest of the thinking, then the answer.
        var completion = _tokenizer.Encode("2 and 2 make 4.\n</think>\n<answer>4</answer>").Select(t => (long)t).ToArray();
        using var engine = new FixedEngine(completion);
        var sampler = new GroupSampler(engine, _tokenizer, [new WeightedReward(new HardFormatResultReward())], prefix);
        var prompt = new GrpoPrompt(new MathProblem("p", [], "2+2?", "4"), "2+2?");
        var groups = sampler.Sample(new RolloutRequest([prompt], 2, new SamplingSettings(64), 1));
        Assert.All(groups[0].Completions, c => Assert.Equal(expected, c.Reward));
        Assert.All(groups[0].Completions, c => Assert.StartsWith(prefix + "2 and 2", c.Text, StringComparison.Ordinal));
    }

    private sealed class FixedEngine(long[] tokens) : IRolloutEngine
    {
        public string Name => "fixed";

        public bool NeedsWeightSync => false;

        public long? ServedVersion => null;

        public Task<RolloutResult> GenerateAsync(RolloutRequest request, CancellationToken cancellationToken = default) =>
            Task.FromResult(new RolloutResult([.. Enumerable.Range(0, request.Prompts.Count * request.GroupSize)
                .Select(i => new RolloutSample(i / request.GroupSize, i % request.GroupSize, tokens, false, null))]));

        public Task SyncWeightsAsync(IPolicyModel policy, long version, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public void Dispose()
        {
        }
    }
}
