namespace VisionR1.Recipe;

/// <summary>
/// The one progress callback of the recipe's stages (cold-start construction, filtering, SFT, GRPO, evaluation): each
/// stage begins with its amount of work, updates as units finish, and ends with a summary. Implementations are
/// thread-safe (the cold start reports from concurrent requests).
/// </summary>
public interface IRecipeProgress
{
    /// <summary>A stage starts with <paramref name="total"/> units of work.</summary>
    void Begin(string stage, string description, double total);

    /// <summary><paramref name="done"/> units of the stage are finished; <paramref name="note"/> is a short status (loss, reward…).</summary>
    void Update(string stage, double done, string? note = null);

    /// <summary>The stage finished.</summary>
    void End(string stage, string summary);

    /// <summary>A free line of information.</summary>
    void Info(string line);
}
