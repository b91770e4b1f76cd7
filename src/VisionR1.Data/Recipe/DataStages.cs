using Microsoft.Extensions.AI;
using VisionR1.Data.ColdStart;
using VisionR1.Data.Filtering;
using VisionR1.IO;
using VisionR1.Problems;
using VisionR1.Recipe;

namespace VisionR1.Data.Recipe;

/// <summary>
/// The recipe's data stages as library calls: modality-bridging cold-start construction and the CoT filter. Each writes
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
}
