using VisionR1.Grpo.Schedule;

namespace VisionR1.Tests.Grpo;

public sealed class ScheduleTests
{
    [Fact]
    public void Paper_schedule_is_4096x16_then_8192x8_for_100_steps_each()
    {
        var s = PtstSchedule.Paper();
        Assert.Equal(2, s.Stages.Count);
        Assert.Equal((4096, 16, 100), (s.Stages[0].MaxCompletionLength, s.Stages[0].GroupSize, s.Stages[0].Steps!.Value));
        Assert.Equal((8192, 8, 100), (s.Stages[1].MaxCompletionLength, s.Stages[1].GroupSize, s.Stages[1].Steps!.Value));
        Assert.All(s.Stages, st => Assert.Equal(4096 * 16, st.MaxCompletionLength * st.GroupSize));
        Assert.Equal(200, s.TotalSteps);
        Assert.Equal((4096, 16, 300), (PtstSchedule.Zero().Stages[0].MaxCompletionLength, PtstSchedule.Zero().Stages[0].GroupSize, PtstSchedule.Zero().TotalSteps!.Value));
        Assert.Equal((16384, 4), (PtstSchedule.Long().Stages[0].MaxCompletionLength, PtstSchedule.Long().Stages[0].GroupSize));
    }

    [Fact]
    public void Halving_builds_ptst_at_any_scale_and_reproduces_the_papers_schedule()
    {
        Assert.Equal(PtstSchedule.Paper().Stages, PtstSchedule.Halving(4096, 16, 100).Stages);
        Assert.Equal(PtstSchedule.ThreeStage(50).Stages, PtstSchedule.Halving(4096, 16, 50, stages: 3).Stages);
        var small = PtstSchedule.Halving(128, 4, 10, stages: 3);
        Assert.Equal([(128, 4), (256, 2), (512, 2)], small.Stages.Select(st => (st.MaxCompletionLength, st.GroupSize)));
        Assert.Equal(30, small.TotalSteps);
    }

    [Fact]
    public void Json_round_trips_every_field()
    {
        var s = new PtstSchedule([
            new PtstStage(64, 8, 3, Temperature: 0.9, SwitchTrigger: new StageSwitchTrigger(0.04, 2), Name: "short"),
            new PtstStage(128, 4, null, Prompts: 40),
        ]);
        var json = s.ToJson();
        Assert.Contains("\"max_completion_length\": 64", json);
        Assert.Contains("\"clipped_ratio_above\": 0.04", json);
        var back = PtstSchedule.FromJson(json);
        Assert.Equal(s.Stages, back.Stages);
    }

    [Fact]
    public void Json_accepts_a_bare_stage_list()
    {
        var s = PtstSchedule.FromJson("""[{"max_completion_length": 16, "group_size": 4, "steps": 2}]""");
        Assert.Equal(new PtstStage(16, 4, 2), s.Stages[0]);
    }

    [Theory]
    [InlineData("""{"stages": []}""", "at least one stage")]
    [InlineData("""{"stages": [{"max_completion_length": 16, "group_size": 1, "steps": 2}]}""", "Stage 0")]
    [InlineData("""{"stages": [{"max_completion_length": 16, "group_size": 4, "stepz": 2}]}""", "stepz")]
    [InlineData("""{"stages": [{"max_completion_length": 16, "group_size": 4, "steps": null}]}""", "give Steps, Prompts")]
    [InlineData("not json", "not valid")]
    public void Bad_json_is_rejected_with_the_reason(string json, string expected)
    {
        var e = Assert.Throws<FormatException>(() => PtstSchedule.FromJson(json));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Tracker_switches_after_the_configured_steps()
    {
        var t = new StageTracker(new PtstSchedule([new PtstStage(8, 4, 2), new PtstStage(16, 2, 1)]));
        Assert.Null(t.Complete(1, 0));
        var sw = t.Complete(1, 0);
        Assert.Equal(new StageSwitch(0, 1, 2, "steps"), sw);
        Assert.Equal(16, t.Current.MaxCompletionLength);
        Assert.Equal(new StageSwitch(1, 2, 1, "steps"), t.Complete(1, 0));
        Assert.True(t.Finished);
    }

    [Fact]
    public void Tracker_switches_when_the_clipped_ratio_stays_above_the_trigger()
    {
        var t = new StageTracker(new PtstSchedule([new PtstStage(8, 4, 100, SwitchTrigger: new StageSwitchTrigger(0.05, 2)), new PtstStage(16, 2, 5)]));
        Assert.Null(t.Complete(2, 0.10)); // streak 1
        Assert.Null(t.Complete(2, 0.01)); // streak reset
        Assert.Null(t.Complete(2, 0.20)); // streak 1
        Assert.Equal(new StageSwitch(0, 1, 4, "trigger"), t.Complete(2, 0.06));
        Assert.Equal(0, t.State.StepInStage);
    }

    [Fact]
    public void Tracker_switches_on_prompts_and_resumes_from_its_state()
    {
        var schedule = new PtstSchedule([new PtstStage(8, 4, null, Prompts: 5), new PtstStage(16, 2, 5)]);
        var t = new StageTracker(schedule);
        Assert.Null(t.Complete(2, 0));
        var resumed = new StageTracker(schedule, t.State);
        Assert.Null(resumed.Complete(2, 0));
        Assert.Equal("prompts", resumed.Complete(2, 0)!.Reason);
    }

    [Fact]
    public void Cosine_schedule_warms_up_linearly_then_decays_to_the_floor()
    {
        var lr = new LearningRateSchedule(1.0, 10, 110, LearningRateShape.Cosine, 0.1);
        Assert.Equal(0.0, lr.At(0));
        Assert.Equal(0.5, lr.At(5), 12);
        Assert.Equal(1.0, lr.At(10), 12);
        Assert.Equal(0.1 + 0.9 * 0.5, lr.At(60), 12); // half-way through decay: cos(π/2) = 0
        Assert.Equal(0.1, lr.At(110), 12);
        Assert.Equal(0.1, lr.At(500), 12);
        Assert.Equal(0.75, new LearningRateSchedule(1.0, 0, 100, LearningRateShape.Linear, 0.5).At(50), 12);
        Assert.Equal(1.0, new LearningRateSchedule(1.0, 0, 100, LearningRateShape.Constant).At(99), 12);
        Assert.Equal(5, LearningRateSchedule.WithWarmupRatio(1.0, 0.05, 100).WarmupSteps);
    }
}
