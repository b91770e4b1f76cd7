namespace VisionR1.Answers.Math;

/// <summary>Thrown inside the engine when a comparison spends its step budget; never escapes the verifier.</summary>
internal sealed class BudgetExceededException() : Exception("The comparison exceeded its step budget.");

/// <summary>
/// A deterministic allowance of work for one comparison: every token lexed, node parsed and node
/// evaluated costs a step, so the same input always gets the same verdict, whatever the machine's load.
/// </summary>
internal sealed class ComputeBudget(int maxSteps)
{
    private int _steps;

    /// <summary>Steps spent so far.</summary>
    public int Steps => _steps;

    /// <summary>Spends <paramref name="n"/> steps; throws <see cref="BudgetExceededException"/> past the allowance.</summary>
    public void Tick(int n = 1)
    {
        _steps += n;
        if (_steps > maxSteps) throw new BudgetExceededException();
    }
}
