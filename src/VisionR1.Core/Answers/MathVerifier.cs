using VisionR1.Answers.Math;

namespace VisionR1.Answers;

/// <summary>
/// The math answer verifier: extracts the prediction's final answer (<see cref="AnswerExtractor"/>),
/// then decides equivalence with the ground truth without a CAS — exact rationals, decimal rounding,
/// numeric identity at deterministic points, structural rules for sets, tuples, intervals and
/// matrices, equation and inequality rules, percent and multiple-choice rules (answers.md).
/// Every comparison runs under a deterministic step budget (<see cref="MathVerifierOptions.MaxSteps"/>),
/// so no input — <c>10^{10^{10}}</c>, 100 KB strings, deep nesting — can stall it.
/// Thread-safe (no mutable state); never throws.
/// </summary>
/// <example>
/// <code>
/// var verifier = new MathVerifier();
/// var r = verifier.Verify("\\frac{1}{2}", ThinkAnswerFormat.Default.Compose("…", "Final Answer: 0.5"));
/// // r.Equal == true, r.Extracted == "0.5"
/// </code>
/// </example>
public sealed class MathVerifier : IAnswerVerifier
{
    /// <summary>A verifier with the default options.</summary>
    public MathVerifier()
        : this(new MathVerifierOptions())
    {
    }

    /// <summary>A verifier with the given options.</summary>
    public MathVerifier(MathVerifierOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
    }

    /// <summary>The settings in use.</summary>
    public MathVerifierOptions Options { get; }

    /// <inheritdoc />
    public VerificationResult Verify(string gold, string prediction, AnswerContext? context = null)
    {
        string extracted = "";
        try
        {
            extracted = AnswerExtractor.Extract(prediction ?? "", Options.AnswerTag, Options.MaxResponseLength);
            var goldAnswer = AnswerExtractor.ExtractGold(gold ?? "", Options.AnswerTag, Options.MaxResponseLength);
            var (equal, reason) = CompareAnswers(goldAnswer, extracted, context);
            if (!equal && extracted.Length > 0 && goldAnswer.Trim().Length > 0)
            {
                var segment = AnswerExtractor.AnswerSegment(prediction ?? "", Options.AnswerTag, Options.MaxResponseLength);
                if (SecondReading(goldAnswer.Trim(), extracted, segment, context) is { } second)
                    return new VerificationResult(true, second.Answer, second.Reason);
            }
            return new VerificationResult(equal, extracted, reason);
        }
        catch (BudgetExceededException)
        {
            return new VerificationResult(false, extracted, "budget: the comparison exceeded its step budget");
        }
        catch (Exception e)
        {
            return new VerificationResult(false, extracted, "internal: " + e.GetType().Name + ": " + e.Message);
        }
    }

    /// <summary>Compares two already-extracted answers (no extraction step). Never throws.</summary>
    public VerificationResult CompareExtracted(string gold, string answer, AnswerContext? context = null)
    {
        try
        {
            var (equal, reason) = CompareAnswers(gold ?? "", answer ?? "", context);
            return new VerificationResult(equal, answer ?? "", reason);
        }
        catch (BudgetExceededException)
        {
            return new VerificationResult(false, answer ?? "", "budget: the comparison exceeded its step budget");
        }
        catch (Exception e)
        {
            return new VerificationResult(false, answer ?? "", "internal: " + e.GetType().Name + ": " + e.Message);
        }
    }

    private (bool Equal, string Reason) CompareAnswers(string gold, string pred, AnswerContext? context)
    {
        gold = gold.Trim();
        pred = pred.Trim();
        if (pred.Length == 0) return (false, "no answer found in the prediction");
        if (gold.Length == 0) return (false, "empty ground truth");
        if (string.Equals(gold, pred, StringComparison.Ordinal)) return (true, "identical");
        int? precision = context?.Precision;

        // Fast path: two plain numbers.
        if (PlainNumber.TryParse(gold, out var gv, out bool gDec) && PlainNumber.TryParse(pred, out var pv, out bool pDec))
        {
            if (gv.Equals(pv)) return (true, "equal numbers");
            if (!gDec && !pDec && precision is null) return (false, $"{pred} ≠ {gold}");
            return MathEquivalence.NumbersClose(gv.ToDouble(), pv.ToDouble(), decimals: true, precision, Options)
                ? (true, "equal within the decimal tolerance")
                : (false, $"{pred} ≠ {gold}");
        }

        var choices = context?.Choices;
        int choiceCount = choices?.Count ?? 0;
        if (MayBeLetter(gold) && ChoiceMatcher.GoldLetter(gold, choiceCount) is char goldLetter)
        {
            var letter = ChoiceMatcher.PredictionLetter(pred, choiceCount);
            if (letter is null && choices is not null)
            {
                for (int i = 0; i < choices.Count; i++)
                {
                    if (CompareMath(choices[i], pred, precision).Equal) { letter = (char)('A' + i); break; }
                }
            }
            if (letter is char l) return l == goldLetter ? (true, $"choice {l}") : (false, $"choice {l} ≠ {goldLetter}");
        }
        else if (choices is not null && ChoiceMatcher.PredictionLetter(pred, choiceCount) is char pl && pl - 'A' < choices.Count)
        {
            var text = choices[pl - 'A'];
            var r = CompareMath(gold, text, precision);
            return r.Equal ? (true, $"choice {pl}: {r.Reason}") : (false, $"choice {pl} ('{text}'): {r.Reason}");
        }
        return CompareMath(gold, pred, precision);
    }

    /// <summary>
    /// Readings of the prediction tried only when the first one is unequal, each tied to the form of the gold:
    /// several <c>\boxed{}</c> against a gold list; an option letter inside a sentence ("Because B is valid")
    /// against a gold letter; a number written with a decimal comma, thousands separators or a unit
    /// ("1,000.99m²", "2,74 $") against a gold number. Null when none makes the pair equal.
    /// </summary>
    private (string Answer, string Reason)? SecondReading(string gold, string extracted, string segment, AnswerContext? context)
    {
        if (segment.Length > Options.MaxAnswerLength * 8) segment = segment[^(Options.MaxAnswerLength * 8)..];
        if (gold.IndexOfAny([',', ';']) >= 0 || gold.Contains(" and ", StringComparison.Ordinal))
        {
            var boxes = AnswerExtractor.LastBoxRun(segment);
            if (boxes.Count > 1)
            {
                var joined = string.Join(", ", boxes);
                if (CompareAnswers(gold, joined, context).Equal) return (joined, "the boxed answers together");
            }
        }
        int choiceCount = context?.Choices?.Count ?? 0;
        if (MayBeLetter(gold) && ChoiceMatcher.GoldLetter(gold, choiceCount) is char goldLetter
            && ChoiceMatcher.PredictionLetter(extracted, choiceCount) is null)
        {
            return ChoiceMatcher.SentenceLetter(segment, choiceCount) == goldLetter ? (goldLetter.ToString(), $"choice {goldLetter} named in a sentence") : null;
        }
        if (!extracted.AsSpan().ContainsAnyInRange('0', '9') || !LooseNumber.TryParseAlone(gold, out var gv, out bool gDec)) return null;
        var text = AnswerExtractor.WithoutBrokenInlineMath(extracted);
        bool found = LooseNumber.TryParseAlone(text, out var pv, out bool pDec)
            || (LooseNumber.IsProse(text) && LooseNumber.TryParseLast(text, out pv, out pDec));
        if (!found) return null;
        if (gv.Equals(pv)) return (text, "equal numbers as written in prose");
        bool close = (gDec || pDec || context?.Precision is not null)
            && MathEquivalence.NumbersClose(gv.ToDouble(), pv.ToDouble(), decimals: true, context?.Precision, Options);
        return close ? (text, "equal within the decimal tolerance as written in prose") : null;
    }

    /// <summary>Cheap pre-check before the letter patterns: a short gold holding a capital A–J.</summary>
    private static bool MayBeLetter(string gold)
    {
        if (gold.Length > 24) return false;
        foreach (char c in gold) if (c is >= 'A' and <= 'J') return true;
        return false;
    }

    private (bool Equal, string Reason) CompareMath(string gold, string pred, int? precision)
    {
        var budget = new ComputeBudget(Options.MaxSteps);
        if (gold.Length > Options.MaxAnswerLength || pred.Length > Options.MaxAnswerLength)
            return TextEqual(gold, pred) ? (true, "identical text") : (false, "answer too long to parse; texts differ");
        var g = LatexNormalizer.Normalize(gold, budget);
        var p = LatexNormalizer.Normalize(pred, budget);
        if (p.Length == 0) return (false, "empty answer after normalisation");
        if (string.Equals(g, p, StringComparison.Ordinal)) return (true, "identical after normalisation");
        MathNode? gn = null, pn = null;
        string? error = null;
        try { gn = MathParser.Parse(g, budget); }
        catch (FormatException e) { error = "ground truth unparsable: " + e.Message; }
        try { pn = MathParser.Parse(p, budget); }
        catch (FormatException e) { error ??= "prediction unparsable: " + e.Message; }
        if (gn is not null && pn is not null)
        {
            var eq = new MathEquivalence(budget, Options, precision);
            try
            {
                return eq.Equal(gn, pn) ? (true, "equivalent") : (false, eq.Reason.Length > 0 ? eq.Reason : "not equivalent");
            }
            catch (FormatException e)
            {
                error = "not comparable: " + e.Message;
            }
        }
        // Text answers ("Evelyn", "\\text{yes}") that did not parse as maths compare as words.
        return HasWord(g) && HasWord(p) && TextEqual(g, p) ? (true, "same text") : (false, error ?? "texts differ");
    }

    private static bool HasWord(string s)
    {
        for (int i = 0; i + 1 < s.Length; i++)
            if (char.IsLetter(s[i]) && char.IsLetter(s[i + 1]) && (i == 0 || s[i - 1] != '\\')) return true;
        return false;
    }

    /// <summary>Plain-text comparison: letters and digits only, case-insensitive.</summary>
    private static bool TextEqual(string a, string b)
    {
        int i = 0, j = 0, seen = 0;
        while (true)
        {
            while (i < a.Length && !char.IsLetterOrDigit(a[i])) i++;
            while (j < b.Length && !char.IsLetterOrDigit(b[j])) j++;
            if (i >= a.Length || j >= b.Length) return i >= a.Length && j >= b.Length && seen > 0;
            if (char.ToLowerInvariant(a[i]) != char.ToLowerInvariant(b[j])) return false;
            i++;
            j++;
            seen++;
        }
    }
}
