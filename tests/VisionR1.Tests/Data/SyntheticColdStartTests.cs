using VisionR1.Answers;
using VisionR1.Data.ColdStart;
using VisionR1.Data.Filtering;
using VisionR1.Data.Records;
using VisionR1.Problems;
using VisionR1.Data.Synthetic;

namespace VisionR1.Tests.Data;

public sealed class SyntheticColdStartTests
{
    [Fact]
    public async Task BuildingWithTheSyntheticTeacherAndFilteringRemovesTheTeachersFaultsAndKeepsTheRest()
    {
        using var tmp = new TempFolder();
        var problems = new SyntheticWorldGenerator(new SyntheticWorldOptions { Seed = 3 }).Generate(SyntheticSplit.Train, 80).ToList();
        var teacher = new SyntheticTeacherChatClient(problems, new SyntheticTeacherOptions { Seed = 9 });
        var output = tmp.File("cold.jsonl");

        var summary = await new ColdStartPipeline(teacher, teacher, new ColdStartOptions(MaxConcurrency: 4)).RunAsync(problems.ToAsyncEnumerable(), output);
        Assert.Empty(summary.Failures);
        Assert.Equal(80, summary.Progress.Completed);

        var filter = new CotFilter(new MathVerifier());
        var report = await CotFilterFiles.FilterAsync(filter, output, tmp.File("sft.jsonl"), tmp.File("rejected.jsonl"));
        var rejected = File.ReadAllLines(tmp.File("rejected.jsonl")).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("id").GetString()!).ToHashSet();

        int faulty = 0, faultyRemoved = 0, faithful = 0, faithfulKept = 0;
        var missed = new List<string>();
        foreach (var p in problems)
        {
            var reasoningFault = teacher.PlannedFault(p.Id, ColdStartStep.Reasoning);
            var descriptionFault = teacher.PlannedFault(p.Id, ColdStartStep.Description);
            bool isFaulty = reasoningFault != SyntheticTeacherFault.None || descriptionFault == SyntheticTeacherFault.DescriptionMiscount;
            if (isFaulty)
            {
                faulty++;
                if (rejected.Contains(p.Id)) faultyRemoved++; else missed.Add($"{p.Id}:{reasoningFault}/{descriptionFault}");
            }
            else
            {
                faithful++;
                if (!rejected.Contains(p.Id)) faithfulKept++;
            }
        }
        Assert.True(faulty >= 5, $"only {faulty} faulty chains were planned");
        Assert.True(faultyRemoved == faulty, "faulty chains kept: " + string.Join(", ", missed));
        Assert.True(faithfulKept >= faithful * 0.95, $"kept {faithfulKept} of {faithful} faithful chains; {report.ToText()}");
        Assert.True(report.ReflectiveWords.Words.Single(w => w.Word == "Wait").Occurrences > 0);
    }
}
