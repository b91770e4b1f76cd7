using System.Text;
using VisionR1.Answers;

namespace VisionR1.Data.Synthetic;

/// <summary>
/// Writes the synthetic teacher's texts. The reasoning has one fixed, learnable shape:
/// observation → a reflective re-check of one fact → the computation → a verification →
/// "So the answer is X." → the closing think tag, then X in the answer tags (<see cref="ThinkAnswerFormat.Default"/>).
/// </summary>
internal static class SyntheticCotWriter
{
    private static ThinkAnswerFormat Layout => ThinkAnswerFormat.Default;

    /// <summary>Step 1: the caption, then the needed facts and the computation from the ground truth.</summary>
    public static string PseudoCot(SyntheticItem item)
    {
        var values = item.Task.Facts.Select(f => f.Value).ToList();
        var sb = new StringBuilder();
        sb.Append(item.Caption).Append(' ');
        sb.Append("To answer, I need ").Append(FactText.JoinAnd(item.Task.Facts.Select(f => Noun(f)).ToList())).Append(". ");
        sb.Append("Step 1: ").Append(Observation(item, values)).Append(' ');
        var computation = Computation(item.Task, values, item.Answer);
        if (computation.Length > 0) sb.Append("Step 2: ").Append(computation).Append(' ');
        sb.Append("So the answer is ").Append(item.Answer).Append('.');
        return sb.ToString();
    }

    /// <summary>
    /// Step 3: the chain of thought over <paramref name="values"/> (the facts as read from the
    /// description), with the fault applied. <paramref name="complete"/> is false when the text
    /// ends without its closing tags.
    /// </summary>
    public static string Reasoning(SyntheticItem item, IReadOnlyList<int> values, SyntheticTeacherFault fault, WorldRandom rng, out bool complete) =>
        Reasoning(item, values, fault, rng, 0, out complete);

    /// <summary>
    /// <see cref="Reasoning(SyntheticItem, IReadOnlyList{int}, SyntheticTeacherFault, WorldRandom, out bool)"/> with
    /// 0 to <paramref name="maxExtraReflections"/> further re-checks of needed facts after the first (none drawn when it is 0).
    /// </summary>
    public static string Reasoning(SyntheticItem item, IReadOnlyList<int> values, SyntheticTeacherFault fault, WorldRandom rng, int maxExtraReflections, out bool complete)
    {
        var task = item.Task;
        var perceived = values.ToList();
        if (fault == SyntheticTeacherFault.WrongCount) perceived = Miscount(task, values, rng) ?? perceived;
        string answer = task.Evaluate(perceived);
        int j = rng.Next(task.Facts.Count);
        var fact = task.Facts[j] with { Value = perceived[j] };

        var sentences = new List<string> { Observation(item, perceived), Reflection(fact, rng) };
        if (maxExtraReflections > 0)
        {
            int extra = rng.Between(0, maxExtraReflections);
            for (int e = 0; e < extra; e++)
            {
                int k = rng.Next(task.Facts.Count);
                sentences.Add(Reflection(task.Facts[k] with { Value = perceived[k] }, rng));
            }
        }
        var computation = Computation(task, perceived, answer);
        if (computation.Length > 0) sentences.Add(computation);
        sentences.Add(Check(task, perceived, answer));
        sentences.Add($"So the answer is {answer}.");

        if (fault == SyntheticTeacherFault.Repetition)
        {
            var loop = Reflection(fact, rng, confirm: false);
            var sb = new StringBuilder(Layout.ThinkOpen).Append(' ').Append(sentences[0]);
            int times = rng.Between(10, 16);
            for (int i = 0; i < times; i++) sb.Append(' ').Append(loop);
            complete = false;
            return sb.ToString();
        }

        string tagged = fault == SyntheticTeacherFault.Inconsistent ? OtherAnswer(task, answer, rng) : answer;
        string full = Layout.Wrap(" " + string.Join(" ", sentences) + " ", tagged);
        if (fault == SyntheticTeacherFault.Truncated)
        {
            int end = full.IndexOf(" " + Layout.ThinkClose, StringComparison.Ordinal);
            int cut = (int)(end * (0.4 + 0.4 * rng.NextDouble()));
            int space = full.LastIndexOf(' ', Math.Max(cut, 8));
            complete = false;
            return full[..Math.Max(space, 8)];
        }
        complete = true;
        return full;
    }

    /// <summary>
    /// A copy of <paramref name="values"/> with one fact misread such that the answer changes:
    /// off by one where that suffices, else by up to three, else (a comparison with a clear
    /// winner) the runner-up read as one more than the largest. Null only when nothing works.
    /// </summary>
    public static List<int>? Miscount(SyntheticTask task, IReadOnlyList<int> values, WorldRandom rng)
    {
        string truth = task.Evaluate(values);
        var order = rng.Shuffled(Enumerable.Range(0, values.Count));
        int sign = rng.Chance(0.5) ? 1 : -1;
        foreach (int delta in new[] { sign, -sign, 2 * sign, -2 * sign, 3 * sign, -3 * sign })
        {
            foreach (int i in order)
            {
                var copy = values.ToList();
                copy[i] += delta;
                if (copy[i] < 0 || (copy[i] == 0 && task.Facts[i].Kind != FactKind.Count)) continue;
                if (task.Formula == TaskFormula.Difference && copy[0] < copy[1]) continue;
                if (task.Formula == TaskFormula.ArgMax && SyntheticTask.UniqueArgMax(copy) < 0) continue;
                if (task.Evaluate(copy) != truth) return copy;
            }
        }
        if (task.Formula == TaskFormula.ArgMax && values.Count > 1)
        {
            int winner = SyntheticTask.UniqueArgMax(values);
            int other = order.First(i => i != winner);
            var copy = values.ToList();
            copy[other] = values.Max() + 1;
            return copy;
        }
        return null;
    }

    private static string OtherAnswer(SyntheticTask task, string answer, WorldRandom rng)
    {
        if (task.Formula == TaskFormula.ArgMax && task.Options is { Count: > 1 } options)
            return rng.Pick(options.Where(o => o != answer).ToList());
        int v = int.Parse(answer, System.Globalization.CultureInfo.InvariantCulture);
        return FactText.N(v == 0 || rng.Chance(0.5) ? v + 1 : v - 1);
    }

    private static string Noun(SceneFact f) => f.Kind switch
    {
        FactKind.Count => "the number of " + f.Subject,
        FactKind.BarValue => "the value of " + f.Subject,
        _ => "the " + f.Subject,
    };

    private static string Observation(SyntheticItem item, IReadOnlyList<int> values)
    {
        var phrases = item.Task.Facts.Select((f, i) => FactText.Compact(f with { Value = values[i] })).ToList();
        string list = FactText.JoinAnd(phrases);
        return item.Family switch
        {
            WorldFamily.Shapes => $"I see {list}.",
            WorldFamily.Bars => $"From the chart, {list}.",
            _ => $"From the labels, {list}.",
        };
    }

    private static string Reflection(SceneFact f, WorldRandom rng, bool confirm = true)
    {
        string v = FactText.N(f.Value);
        string opener = rng.Pick(["Wait,", "Hmm,"]);
        string check = f.Kind switch
        {
            FactKind.Count when f.Value == 0 => $"{opener} let me recount the {f.Subject}: there are none.",
            FactKind.Count => $"{opener} let me recount the {f.Subject}: {string.Join(", ", Enumerable.Range(1, f.Value).Select(FactText.N))}.",
            FactKind.BarValue => $"{opener} let me check {f.Subject} against the grid: it reaches {v}.",
            _ => $"{opener} let me check the label of the {f.Subject}: it says {v}.",
        };
        return confirm ? $"{check} Yes, {v}." : check;
    }

    private static string Computation(SyntheticTask task, IReadOnlyList<int> v, string answer)
    {
        string N(int x) => FactText.N(x);
        return task.Formula switch
        {
            TaskFormula.Value => "",
            TaskFormula.Sum => RunningSum(v),
            TaskFormula.Difference => $"{N(v[0])} - {N(v[1])} = {answer}.",
            TaskFormula.Product => $"{N(v[0])} * {N(v[1])} = {answer}.",
            TaskFormula.Perimeter => $"The perimeter is 2 * ({N(v[0])} + {N(v[1])}). {N(v[0])} + {N(v[1])} = {N(v[0] + v[1])}. 2 * {N(v[0] + v[1])} = {answer}.",
            TaskFormula.Max => $"The largest of {FactText.JoinAnd(v.Select(N).ToList())} is {answer}.",
            TaskFormula.MaxMinusMin => $"The largest is {N(v.Max())} and the smallest is {N(v.Min())}. {N(v.Max())} - {N(v.Min())} = {answer}.",
            TaskFormula.ArgMax => $"The largest is {answer} with {N(v.Max())}.",
            _ => throw new ArgumentOutOfRangeException(nameof(task), task.Formula, "Unknown formula."),
        };
    }

    /// <summary>
    /// A sum as one addition per line, the canonical form of the world's reasoning ("3 + 4 = 7. 7 + 2 = 9."): every step is
    /// a fact of the addition table a small model can learn, where "3 + 4 + 2 = 9" would need the whole sum in one token.
    /// </summary>
    internal static string RunningSum(IReadOnlyList<int> v)
    {
        if (v.Count == 1) return $"{FactText.N(v[0])} = {FactText.N(v[0])}.";
        var sb = new StringBuilder();
        int total = v[0];
        for (int i = 1; i < v.Count; i++)
        {
            if (i > 1) sb.Append(' ');
            sb.Append(FactText.N(total)).Append(" + ").Append(FactText.N(v[i])).Append(" = ").Append(FactText.N(total + v[i])).Append('.');
            total += v[i];
        }
        return sb.ToString();
    }

    /// <summary>
    /// A short worked solution from the ground truth, as an instruct model writes one: the needed facts, the computation in
    /// canonical steps and the answer, without the teacher's re-checks, in <see cref="ThinkAnswerFormat.Compose"/>'s layout
    /// (reasoning "From the chart, bar A is 5 and bar B is 3. 5 + 3 = 8. So the answer is 8.", answer "8").
    /// </summary>
    public static string WorkedSolution(SyntheticItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        var values = item.Task.Facts.Select(f => f.Value).ToList();
        var computation = Computation(item.Task, values, item.Answer);
        var body = Observation(item, values) + (computation.Length > 0 ? " " + computation : "") + $" So the answer is {item.Answer}.";
        return Layout.Compose(body, item.Answer);
    }

    private static string Check(SyntheticTask task, IReadOnlyList<int> v, string answer)
    {
        string N(int x) => FactText.N(x);
        string Sorted() => string.Join(", ", v.Order().Select(N));
        return task.Formula switch
        {
            TaskFormula.Value => $"Let me check: the question asks for {Noun(task.Facts[0])}, which is {answer}.",
            TaskFormula.Sum when v.Count == 2 => $"Let me check: {answer} - {N(v[1])} = {N(v[0])}. Yes.",
            TaskFormula.Sum => $"Alternatively, {RunningSum(v.Reverse().ToList())} Yes.",
            TaskFormula.Difference => $"Let me check: {answer} + {N(v[1])} = {N(v[0])}. Yes.",
            TaskFormula.Product => $"Let me check: {N(v[1])} * {N(v[0])} = {answer}. Yes.",
            TaskFormula.Perimeter => $"Let me check: {N(v[0] + v[1])} + {N(v[0] + v[1])} = {answer}. Yes.",
            TaskFormula.Max or TaskFormula.MaxMinusMin or TaskFormula.ArgMax => $"Alternatively, in order: {Sorted()}. Yes.",
            _ => throw new ArgumentOutOfRangeException(nameof(task), task.Formula, "Unknown formula."),
        };
    }
}
