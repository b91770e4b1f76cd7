using System.Globalization;
using VisionR1.Data.Readers;
using VisionR1.Inputs;
using VisionR1.Problems;
using VisionR1.Runtime;
using VisionR1.Text;

namespace VisionR1.Benchmarks;

/// <summary>`--name value` options of the probes.</summary>
internal static class ProbeArgs
{
    /// <summary>The value after <paramref name="name"/>, or null.</summary>
    public static string? Get(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    /// <summary>The integer after <paramref name="name"/>, or <paramref name="fallback"/>.</summary>
    public static int Int(string[] args, string name, int fallback) =>
        Get(args, name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    /// <summary>The value after <paramref name="name"/>; an error naming the option when it is missing.</summary>
    public static string Require(string[] args, string name, string what) =>
        Get(args, name) ?? throw new ArgumentException($"{name} {what} is required.");

    /// <summary>The runtime on the CPU with <c>--threads N</c> (default: libtorch's choice).</summary>
    public static RuntimeReport InitializeCpu(string[] args) =>
        VisionR1Runtime.Initialize("cpu", Get(args, "--threads") is { } t ? int.Parse(t, CultureInfo.InvariantCulture) : null);
}

/// <summary>
/// What the probes over a trained model share: <c>--model DIR</c> (its tokenizer, with the template GRPO and the evaluation
/// use), <c>--problems FILE</c> (the first <c>take</c> problems, if given) and the CPU runtime with <c>--threads N</c>.
/// </summary>
internal sealed record TrainedModelProbe(string ModelDirectory, RuntimeReport Runtime, ChatTemplate Template, List<MathProblem> Problems)
{
    public static async Task<TrainedModelProbe> LoadAsync(string[] args, int? take = null)
    {
        string model = ProbeArgs.Require(args, "--model", "DIR");
        string problemsPath = ProbeArgs.Require(args, "--problems", "FILE");
        var runtime = ProbeArgs.InitializeCpu(args);
        var template = new ChatTemplate(TokenizerLoader.FromFolder(model), ChatTemplateOptions.NoSystemPrompt);
        var problems = await ProblemSource.ReadAllAsync(problemsPath);
        return new(model, runtime, template, take is { } n ? problems.Take(n).ToList() : problems);
    }
}
