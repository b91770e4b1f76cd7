using VisionR1.Runtime;

namespace VisionR1.Tests.Bench;

public sealed class ThreadWaitPolicyTests
{
    [Fact]
    public void Prefer_passive_leaves_a_policy_in_the_environment_and_keeps_a_users_choice()
    {
        string? before = Environment.GetEnvironmentVariable(ThreadWaitPolicy.Variable);
        var effective = ThreadWaitPolicy.PreferPassive();
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            Assert.Equal(string.IsNullOrEmpty(before) ? "PASSIVE" : before, effective);
            Assert.Equal(effective, Environment.GetEnvironmentVariable(ThreadWaitPolicy.Variable));
        }
    }
}
