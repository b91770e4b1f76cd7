using System.Globalization;
using VisionR1.Answers;
using VisionR1.Grpo.Evaluation;
using VisionR1.Grpo.Policies;
using VisionR1.Grpo.Rollout;
using VisionR1.Grpo.Rollout.Engines;
using VisionR1.Inputs;
using VisionR1.Model;
using VisionR1.Model.Config;
using VisionR1.Problems;
using VisionR1.Runtime;
using VisionR1.Text;
using static TorchSharp.torch;

namespace VisionR1.Tests.Runtime;

/// <summary>
/// Tensor work side by side (<see cref="TensorWorkers"/>): pieces get a share of the caller's libtorch threads, keep their order and
/// the caller's gradient mode, report failures, and compute what they compute in turn with the same thread count, bit for bit, for
/// GRPO sampling and for evaluation. These tests set libtorch's thread count, so they run alone.
/// </summary>
[Collection(GlobalThreadStateCollection.Name)]
public sealed class TensorWorkersTests : IDisposable
{
    private static readonly ByteLevelBpeTokenizer Tokenizer = CompactTokenizerTrainer.TrainDefault();
    private readonly int _threads = get_num_threads();
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("vr1-workers-");

    public void Dispose()
    {
        set_num_threads(_threads);
        _dir.Delete(recursive: true);
    }

    [Fact]
    public void Pieces_run_on_workers_with_a_share_of_the_threads_in_order()
    {
        set_num_threads(2);
        int caller = Environment.CurrentManagedThreadId;
        using (no_grad())
        {
            var seen = TensorWorkers.Run(7, i => (Index: i, Thread: Environment.CurrentManagedThreadId, Threads: get_num_threads(), Grad: is_grad_enabled()), maxConcurrency: 2);
            Assert.Equal(Enumerable.Range(0, 7), seen.Select(s => s.Index));
            Assert.All(seen, s => Assert.NotEqual(caller, s.Thread));
            Assert.All(seen, s => Assert.Equal(1, s.Threads));
            Assert.All(seen, s => Assert.False(s.Grad)); // the caller's no_grad holds on the workers
            Assert.InRange(seen.Select(s => s.Thread).Distinct().Count(), 1, 2);
        }
        Assert.True(TensorWorkers.Run(2, _ => is_grad_enabled(), 2).All(g => g));
        Assert.Equal(2, get_num_threads()); // the caller keeps its count
        Assert.Equal(2, TensorWorkers.Concurrency(5, 4));
        Assert.Equal(1, TensorWorkers.Concurrency(1, 4));
    }

    [Fact]
    public void With_one_thread_the_pieces_run_in_turn_on_the_caller()
    {
        set_num_threads(1);
        int caller = Environment.CurrentManagedThreadId;
        var seen = TensorWorkers.Run(3, i => Environment.CurrentManagedThreadId, maxConcurrency: 2);
        Assert.All(seen, t => Assert.Equal(caller, t));
        Assert.Empty(TensorWorkers.Run(0, i => i, 2));
    }

    [Fact]
    public void A_failing_piece_is_rethrown_after_the_workers_stop()
    {
        set_num_threads(2);
        var e = Assert.Throws<InvalidDataException>(() => TensorWorkers.Run(6, i => i == 3 ? throw new InvalidDataException("piece 3 failed") : i, 2));
        Assert.Equal("piece 3 failed", e.Message);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => TensorWorkers.Run(4, i => i, 2, cancelled.Token));
        Assert.Equal(2, get_num_threads());
    }

    [Fact]
    public void Chunks_sampled_side_by_side_equal_the_same_chunks_in_turn()
    {
        using var policy = Policy();
        using var engine = new InProcessRolloutEngine(policy, new ChatPromptEncoder(new ChatTemplate(Tokenizer, ChatTemplateOptions.NoSystemPrompt)));
        var prompts = Enumerable.Range(0, 5).Select(i => new GrpoPrompt($"p{i}", $"What is {i} plus {i + 3}?", (2 * i + 3).ToString(CultureInfo.InvariantCulture))).ToList();
        var request = new RolloutRequest(prompts, 3, new SamplingSettings(12, Temperature: 1.0), Seed: 5, ConcurrentChunks: 2);

        set_num_threads(1); // one thread: the chunks run in turn, each with one thread
        var inTurn = engine.Generate(request);
        set_num_threads(2); // two threads: the chunks run side by side, each with one thread
        var sideBySide = engine.Generate(request);

        Assert.Equal(15, sideBySide.Samples.Count);
        Assert.Equal(inTurn.Samples.Select(s => (s.PromptIndex, s.SampleIndex)), sideBySide.Samples.Select(s => (s.PromptIndex, s.SampleIndex)));
        for (int i = 0; i < inTurn.Samples.Count; i++)
        {
            Assert.Equal(inTurn.Samples[i].Tokens, sideBySide.Samples[i].Tokens);
            Assert.Equal(inTurn.Samples[i].LogProbs, sideBySide.Samples[i].LogProbs);
        }
        // Random weights sample many different completions: the comparison is not between empty or constant outputs.
        Assert.True(sideBySide.Samples.Select(s => string.Join(',', s.Tokens)).Distinct().Count() > 5);
    }

    [Fact]
    public void Evaluation_batches_side_by_side_write_the_same_predictions()
    {
        using var policy = Policy();
        var template = new ChatTemplate(Tokenizer, ChatTemplateOptions.NoSystemPrompt);
        var problems = Enumerable.Range(0, 7).Select(i => new MathProblem($"q{i}", [], $"What is {i} times 2?", (2 * i).ToString(CultureInfo.InvariantCulture))).ToList();
        var evaluator = new LocalEvaluator(template, new ImageLoader(), new MathVerifier());
        var options = new LocalEvaluationOptions { BatchSize = 2, MaxNewTokens = 10, Temperature = 1.0, Seed = 9 };
        var inTurnPath = Path.Combine(_dir.FullName, "in-turn.jsonl");
        var sideBySidePath = Path.Combine(_dir.FullName, "side-by-side.jsonl");

        set_num_threads(1);
        var inTurn = evaluator.Evaluate(policy.Model, problems, options, inTurnPath);
        set_num_threads(2);
        var progress = new List<int>();
        var sideBySide = evaluator.Evaluate(policy.Model, problems, options with { ConcurrentBatches = 3 }, sideBySidePath, new SyncProgress(progress));

        Assert.Equal(File.ReadAllText(inTurnPath), File.ReadAllText(sideBySidePath));
        Assert.Equal(7, File.ReadAllLines(sideBySidePath).Length);
        Assert.Equal(inTurn.MeanCompletionTokens, sideBySide.MeanCompletionTokens);
        Assert.Equal([2, 4, 6, 7], progress);
    }

    private static QwenPolicy Policy()
    {
        var model = new Qwen25VLModel(Qwen25VLPresets.Tiny, CPU);
        model.InitializeWeights(4);
        return new QwenPolicy(model);
    }

    /// <summary>Records progress on the reporting thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SyncProgress(List<int> into) : IProgress<int>
    {
        public void Report(int value) => into.Add(value);
    }
}
