using Microsoft.Extensions.AI;
using VisionR1.Data.ColdStart;
using VisionR1.Data.Filtering;
using VisionR1.Data.Readers;
using VisionR1.Data.Synthetic;
using VisionR1.IO;
using VisionR1.Problems;
using VisionR1.Recipe;
using VisionR1.Text;

namespace VisionR1.Recipe;

/// <summary>
/// The recipe's data stages as library calls: modality-bridging cold-start construction, the CoT filter, and the synthetic
/// world that stands in for a data set (<see cref="SyntheticWorldAsync"/>). Each writes
/// into its <see cref="StageRun.Directory"/>, resumes from what it left there (the construction's output is append-only,
/// keyed by problem id) and reports through the <see cref="IRecipeProgress"/>.
/// </summary>
public static class DataStages
{
    /// <summary>The construction's output file in its folder.</summary>
    public const string ColdStartFile = "cold.jsonl";

    /// <summary>The filter's kept samples, written next to the construction's output (their image paths stay inside that folder).</summary>
    public const string FilteredFile = "filtered.jsonl";

    /// <summary>The suffix of the construction's response cache folder, next to its output (<c>cold.jsonl.steps/</c>).</summary>
    public const string StepCacheSuffix = ".steps";

    /// <summary>The filter's rejected samples, next to the construction's output.</summary>
    public const string RejectedFile = "rejected.jsonl";

    /// <summary>
    /// Builds cold-start CoT samples for <paramref name="problems"/> with the three-step modality-bridging protocol through
    /// <paramref name="teacher"/> (used as both the multimodal and the reasoning model) into <c>DIR/cold.jsonl</c>.
    /// Images travel as bytes, so the output folder holds its own copies and is self-contained. The teacher is called through
    /// the middleware <paramref name="options"/> compose (<see cref="ColdStartOptions.Compose"/>): retries, and a disk cache of
    /// every response in <c>DIR/cold.jsonl.steps/</c>, so a resumed stage pays for no request twice.
    /// </summary>
    /// <exception cref="InvalidOperationException">No sample could be built (the first failures are named).</exception>
    public static async Task<ColdStartResult> ColdStartAsync(StageRun run, IChatClient teacher, string teacherName, IReadOnlyList<MathProblem> problems,
        ColdStartOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(problems);
        run.Progress.Begin(run.Stage, $"modality bridging (pseudo-CoT → description → reasoning) with {teacherName} on {problems.Count} problems", problems.Count);
        run.Progress.Update(run.Stage, 0);
        var progress = new Progress<ColdStartProgress>(p => run.Progress.Update(run.Stage, p.Completed + p.Resumed + p.Failed));
        ArgumentNullException.ThrowIfNull(options);
        var output = Path.Combine(run.Directory, ColdStartFile);
        // Not disposed here: the composed client owns the caller's teacher, which the caller disposes.
        var client = options.Compose(teacher, output + StepCacheSuffix);
        var pipeline = new ColdStartPipeline(client, client, options);
        var embedded = problems.Select(p => p with { Images = p.Images.Select(i => new ImageRef(null, i.Bytes ?? File.ReadAllBytes(i.Path!))).ToList() });
        var summary = await pipeline.RunAsync(embedded.ToAsyncEnumerable(), output, progress, cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (summary.Progress.Completed + summary.Progress.Resumed == 0)
            throw new InvalidOperationException("The cold-start construction built no sample: " + string.Join("; ", summary.Failures.Take(3).Select(f => f.Key + ": " + f.Value)));
        run.Progress.End(run.Stage, $"{summary.Progress.Completed} built, {summary.Progress.Resumed} resumed, {summary.Progress.Failed} failed");
        return new ColdStartResult(summary.Progress.Completed, summary.Progress.Resumed, summary.Progress.Failed, summary.Progress.OutputTokens);
    }

    /// <summary>
    /// Filters <c>coldStartDirectory/cold.jsonl</c> with <paramref name="filter"/> (format, truncation, repetition, verified
    /// answer, consistency) into <c>filtered.jsonl</c> and <c>rejected.jsonl</c> beside it, and writes the report to
    /// <c>DIR/report.txt</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">The filter kept nothing.</exception>
    public static async Task<FilterResult> FilterAsync(StageRun run, CotFilter filter, string coldStartDirectory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        run.Progress.Begin(run.Stage, "CoT filter (format, truncation, repetition, math-verified answer, consistency)", 1);
        var report = await CotFilterFiles.FilterAsync(filter, Path.Combine(coldStartDirectory, ColdStartFile), Path.Combine(coldStartDirectory, FilteredFile),
            Path.Combine(coldStartDirectory, RejectedFile), null, cancellationToken: cancellationToken).ConfigureAwait(false);
        var reportPath = Path.Combine(run.Directory, "report.txt");
        AtomicFile.WriteAllText(reportPath, report.ToText());
        if (report.Kept == 0) throw new InvalidOperationException($"The CoT filter kept no sample of {report.Total}; see {reportPath}.");
        run.Progress.End(run.Stage, $"kept {report.Kept} of {report.Total}");
        var wait = report.ReflectiveWords.Words.FirstOrDefault(w => w.Word == "Wait")?.Samples ?? 0;
        return new FilterResult(report.Total, report.Kept, report.Removed.ToDictionary(kv => kv.Key.ToString(), kv => kv.Value), wait);
    }

    /// <summary>
    /// Trains a compact byte-level BPE tokenizer of <paramref name="vocabularySize"/> ids (Qwen's special tokens included) on
    /// <paramref name="corpus"/> and saves it in the stage folder in Hugging Face's layout, for a model trained from scratch.
    /// </summary>
    public static TokenizerResult CompactTokenizer(StageRun run, IReadOnlyList<string> corpus, int vocabularySize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(corpus);
        run.Progress.Begin(run.Stage, $"training a {vocabularySize}-id tokenizer on {corpus.Count} texts", 1);
        var tokenizer = CompactTokenizerTrainer.Train(corpus, new CompactTokenizerOptions(vocabularySize), cancellationToken);
        tokenizer.Save(run.Directory);
        run.Progress.End(run.Stage, $"{tokenizer.VocabularySize} ids from {corpus.Count} texts");
        return new TokenizerResult(tokenizer.VocabularySize, corpus.Count);
    }

    /// <summary>The synthetic world's training split in its stage folder (problem JSONL, images beside it).</summary>
    public const string WorldTrainFile = "train.jsonl";

    /// <summary>The synthetic world's held-out split in its stage folder.</summary>
    public const string WorldTestFile = "test.jsonl";

    /// <summary>
    /// Renders the synthetic world into <c>DIR/train.jsonl</c> and <c>DIR/test.jsonl</c> (<see cref="WorldTrainFile"/>,
    /// <see cref="WorldTestFile"/>) with their images: <paramref name="trainItems"/> training problems in the families' natural
    /// mix and <paramref name="testItems"/> held-out problems of which <paramref name="testMultiStepShare"/> combine two or more
    /// facts (the split that needs reasoning).
    /// </summary>
    public static async Task<WorldResult> SyntheticWorldAsync(StageRun run, SyntheticWorldOptions options, int trainItems, int testItems,
        double testMultiStepShare, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(options);
        run.Progress.Begin(run.Stage, $"rendering {trainItems} train + {testItems} test problems at {options.ImageSize} px", trainItems + testItems);
        run.Progress.Update(run.Stage, 0);
        var train = new SyntheticWorldGenerator(options).GenerateAsync(SyntheticSplit.Train, trainItems, cancellationToken);
        await MathProblemJsonl.WriteAsync(Path.Combine(run.Directory, WorldTrainFile), train, run.Directory, cancellationToken).ConfigureAwait(false);
        run.Progress.Update(run.Stage, trainItems);
        var test = new SyntheticWorldGenerator(options with { MultiStepShare = testMultiStepShare }).GenerateAsync(SyntheticSplit.Test, testItems, cancellationToken);
        await MathProblemJsonl.WriteAsync(Path.Combine(run.Directory, WorldTestFile), test, run.Directory, cancellationToken).ConfigureAwait(false);
        run.Progress.End(run.Stage, $"{trainItems} train, {testItems} test");
        return new WorldResult(trainItems, testItems);
    }
}

/// <summary>Result of the tokenizer stage (<see cref="DataStages.CompactTokenizer"/>).</summary>
/// <param name="VocabularySize">Ids of the trained tokenizer.</param>
/// <param name="CorpusTexts">Texts it was trained on.</param>
public sealed record TokenizerResult(int VocabularySize, int CorpusTexts);

/// <summary>Result of the synthetic world stage (<see cref="DataStages.SyntheticWorldAsync"/>).</summary>
/// <param name="Train">Training problems written.</param>
/// <param name="Test">Test problems written.</param>
public sealed record WorldResult(int Train, int Test);
