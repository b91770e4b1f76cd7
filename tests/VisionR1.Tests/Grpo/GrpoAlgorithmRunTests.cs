using VisionR1.Grpo.Metrics;
using VisionR1.Inputs;
using VisionR1.Grpo.Policies;
using VisionR1.Grpo.Rewards;
using VisionR1.Grpo.Schedule;
using VisionR1.Grpo.Training;
using VisionR1.Model;
using VisionR1.Model.Config;
using VisionR1.Runtime;
using VisionR1.Text;
using static TorchSharp.torch;

namespace VisionR1.Tests.Grpo;

/// <summary>Two GRPO steps of every named algorithm on the tiny Qwen2.5-VL preset, writing their metrics.</summary>
public sealed class GrpoAlgorithmRunTests : IDisposable
{
    private static readonly ByteLevelBpeTokenizer Tokenizer = CompactTokenizerTrainer.TrainDefault();
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-grpo-algorithms-");

    public GrpoAlgorithmRunTests() => VisionR1Runtime.Initialize("cpu", threads: 1);

    public void Dispose() => _dir.Delete(recursive: true);

    public static TheoryData<GrpoAlgorithm> All() => new(Enum.GetValues<GrpoAlgorithm>());

    [Theory]
    [MemberData(nameof(All))]
    public void Two_steps_of_each_algorithm_run_on_the_tiny_qwen_preset_and_write_metrics(GrpoAlgorithm algorithm)
    {
        var model = new Qwen25VLModel(Qwen25VLPresets.Tiny, CPU);
        model.InitializeWeights(4);
        using var policy = new QwenPolicy(model);
        var prompts = Enumerable.Range(0, 6).Select(i => new GrpoPrompt($"p{i}", $"What is {i} plus {i}?", (2 * i).ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();
        var options = new GrpoOptions
        {
            Algorithm = algorithm,
            Schedule = PtstSchedule.Single(5, 4, 2),
            PromptsPerStep = 2,
            MicroBatchSize = 4,
            LearningRate = 1e-3,
            Seed = 3,
            MaxRefillRounds = 1,
        };
        var folder = Path.Combine(_dir.FullName, GrpoAlgorithmNames.NameOf(algorithm));
        using (var sink = new JsonlMetricsSink(folder))
        using (var trainer = new GrpoTrainer(policy, new ChatPromptEncoder(new ChatTemplate(Tokenizer, ChatTemplateOptions.NoSystemPrompt)), Tokenizer,
            [new WeightedReward(new TextReward())], prompts, options, sink))
        {
            trainer.Train();
            Assert.Equal(2, trainer.Step);
            Assert.Equal(options.Loss.Beta > 0, trainer.Reference is not null);
        }
        var lines = File.ReadAllLines(Path.Combine(folder, JsonlMetricsSink.MetricsFileName));
        Assert.Equal(2, lines.Length);
        foreach (var line in lines)
        {
            using var json = System.Text.Json.JsonDocument.Parse(line);
            Assert.True(double.IsFinite(json.RootElement.GetProperty("loss").GetDouble()), line);
            Assert.True(double.IsFinite(json.RootElement.GetProperty("kl").GetDouble()), line);
        }
    }

    /// <summary>A reward that differs between completions of a random model: the character sum of the text, modulo 5, over 4.</summary>
    private sealed class TextReward : IRewardFunction
    {
        public string Name => "text";

        public IReadOnlyList<RewardOutput> Score(IReadOnlyList<RewardInput> batch, CancellationToken cancellationToken = default) =>
            batch.Select(x => new RewardOutput(x.Completion.Sum(c => c) % 5 / 4.0)).ToList();
    }
}
