using VisionR1.Runtime;
using VisionR1.Trainer.Cli;

// Before any tensor call: OpenMP workers sleep instead of spinning (see ThreadWaitPolicy).
ThreadWaitPolicy.PreferPassive();

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
