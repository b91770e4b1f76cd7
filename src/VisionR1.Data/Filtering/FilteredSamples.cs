using VisionR1.Data.Readers;
using VisionR1.Data.Records;
using VisionR1.Problems;

namespace VisionR1.Data.Filtering;

/// <summary>The CoT filter's kept samples (a ShareGPT JSONL) paired back with their problems: the cold-start SFT data.</summary>
public static class FilteredSamples
{
    /// <summary>
    /// Reads the samples of <paramref name="path"/> and returns them as <see cref="ChatSample.Supervised"/> samples of the matching
    /// problems (asked as <see cref="MathProblem.PromptText"/>), in the order of <paramref name="problems"/>: a
    /// concurrent construction writes samples as its requests finish, so the file's order varies from run to run and
    /// training in the problems' order keeps a seeded run reproducible.
    /// </summary>
    /// <exception cref="InvalidDataException">A sample's id is not one of <paramref name="problems"/> (the file and id are named), or a line is malformed.</exception>
    public static async Task<List<ChatSample>> ReadAsync(string path, IReadOnlyList<MathProblem> problems, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(problems);
        var order = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < problems.Count; i++) order.TryAdd(problems[i].Id, i);
        var samples = new List<(int Order, ChatSample Sample)>();
        await foreach (var r in ChatSampleJsonl.ReadAsync(path, new ReadOptions(Strict: true, RequireImageFiles: false), null, cancellationToken).ConfigureAwait(false))
        {
            if (!order.TryGetValue(r.Id, out var index)) throw new InvalidDataException($"{path}: sample '{r.Id}' is not one of the problems.");
            var problem = problems[index];
            samples.Add((index, ChatSample.Supervised(problem, problem.PromptText(), r.Response)));
        }
        return samples.OrderBy(s => s.Order).Select(s => s.Sample).ToList();
    }

    /// <summary>
    /// Reads the samples of <paramref name="path"/> as <see cref="ChatSample.Supervised"/> samples of the problems they keep (the filter
    /// writes each kept sample with its problem's facts), in the file's order: SFT data from the filter's output alone.
    /// </summary>
    /// <exception cref="InvalidDataException">A sample has no problem (the file and id are named: chat data not written by the filter), or a line is malformed.</exception>
    public static async Task<List<ChatSample>> ReadAsync(string path, CancellationToken cancellationToken = default)
    {
        var samples = new List<ChatSample>();
        await foreach (var r in ChatSampleJsonl.ReadAsync(path, new ReadOptions(Strict: true, RequireImageFiles: false), null, cancellationToken).ConfigureAwait(false))
        {
            var problem = r.Problem ?? throw new InvalidDataException($"{path}: sample '{r.Id}' keeps no problem (no 'question' and 'answer'); pass the problems to pair it with.");
            samples.Add(ChatSample.Supervised(problem, problem.PromptText(), r.Response));
        }
        return samples;
    }
}
