using VisionR1.Runtime;
using VisionR1.Trainer.Cli;

// First of all: where the system has tcmalloc, start again in place with it preloaded (glibc's malloc spends about a
// tenth of a small model's training step searching its free lists; see NativeAllocator). VR1_ALLOCATOR=glibc keeps glibc.
NativeAllocator.PreferTcmalloc();

// Before any tensor call: OpenMP workers spin briefly between parallel regions when the machine is otherwise
// idle and sleep when it is busy (see ThreadWaitPolicy), and freed tensor memory stays in the process for the
// next step (see NativeAllocator).
ThreadWaitPolicy.PreferShortSpinWhenIdle();
// Between training steps, fewer intra-op threads while another busy process holds cores (see ThreadGovernor).
ThreadGovernor.EnableUnlessTurnedOff();
NativeAllocator.KeepFreedMemory();

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // First Ctrl-C: stop cleanly at the next safe point. Second: let the process die.
    if (!cts.IsCancellationRequested)
    {
        e.Cancel = true;
        Console.Error.WriteLine("vr1: stopping at the next safe point (Ctrl-C again to abort)...");
        cts.Cancel();
    }
};
return await CommandLine.RunAsync(args, Console.Out, Console.Error, cts.Token);
