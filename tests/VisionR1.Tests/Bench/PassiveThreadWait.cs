using System.Runtime.CompilerServices;
using VisionR1.Runtime;

namespace VisionR1.Tests.Bench;

/// <summary>
/// Sets OMP_WAIT_POLICY=PASSIVE for the test process before libtorch loads. xUnit runs test classes in
/// parallel, so more threads want the two cores than there are cores, where spinning OpenMP workers turned
/// 60 ms steps into 4–7 s ones (<c>vr1</c> spins briefly only when the machine is otherwise idle).
/// </summary>
internal static class PassiveThreadWait
{
    [ModuleInitializer]
    internal static void Apply() => ThreadWaitPolicy.PreferPassive();
}
