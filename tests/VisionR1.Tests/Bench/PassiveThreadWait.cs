using System.Runtime.CompilerServices;
using VisionR1.Runtime;

namespace VisionR1.Tests.Bench;

/// <summary>
/// Sets OMP_WAIT_POLICY=PASSIVE for the test process before libtorch loads, as <c>vr1</c> does:
/// on the shared 2-core machine spinning OpenMP workers turned 60 ms steps into 4–7 s ones.
/// </summary>
internal static class PassiveThreadWait
{
    [ModuleInitializer]
    internal static void Apply() => ThreadWaitPolicy.PreferPassive();
}
