namespace VisionR1.Grpo.Loss;

/// <summary>
/// A step's loss statistics over its micro-batches and updates: token-weighted means of the KL, clip fraction and ratio,
/// the entropy of the first update, the ratio's extremes, the summed loss, and the mean truncated importance weight.
/// </summary>
internal sealed class GrpoLossStatsAccumulator
{
    private double _tokens, _kl, _clip, _ratio, _entropyTokens, _entropy, _loss, _weightSum, _weightTokens;
    private bool _hasEntropy;

    /// <summary>The smallest ratio seen (1 before any token).</summary>
    public double RatioMin { get; private set; } = 1;

    /// <summary>The largest ratio seen (1 before any token).</summary>
    public double RatioMax { get; private set; } = 1;

    /// <summary>Adds one micro-batch's loss and statistics; entropy counts only in the <paramref name="firstUpdate"/>.</summary>
    public void Add(double loss, GrpoLossStats s, bool firstUpdate)
    {
        _loss += loss;
        if (s.TokenCount <= 0) return;
        if (_tokens == 0)
        {
            RatioMin = s.RatioMin;
            RatioMax = s.RatioMax;
        }
        else
        {
            RatioMin = Math.Min(RatioMin, s.RatioMin);
            RatioMax = Math.Max(RatioMax, s.RatioMax);
        }
        _tokens += s.TokenCount;
        _kl += s.Kl * s.TokenCount;
        _clip += s.ClipFraction * s.TokenCount;
        _ratio += s.RatioMean * s.TokenCount;
        if (firstUpdate && s.Entropy is { } e)
        {
            _hasEntropy = true;
            _entropy += e * s.TokenCount;
            _entropyTokens += s.TokenCount;
        }
    }

    /// <summary>Adds the sum of one micro-batch's importance weights over its <paramref name="tokens"/> counted tokens.</summary>
    public void AddImportanceWeights(double sum, double tokens)
    {
        _weightSum += sum;
        _weightTokens += tokens;
    }

    /// <summary>Token-weighted mean KL (0 without tokens).</summary>
    public double Kl => _tokens > 0 ? _kl / _tokens : 0;

    /// <summary>Token-weighted mean clip fraction (0 without tokens).</summary>
    public double ClipFraction => _tokens > 0 ? _clip / _tokens : 0;

    /// <summary>Token-weighted mean ratio (1 without tokens).</summary>
    public double RatioMean => _tokens > 0 ? _ratio / _tokens : 1;

    /// <summary>Token-weighted mean entropy of the first update, or null when none was computed.</summary>
    public double? Entropy => _hasEntropy && _entropyTokens > 0 ? _entropy / _entropyTokens : null;

    /// <summary>Mean truncated importance weight per counted token, or null when none was applied.</summary>
    public double? ImportanceWeightMean => _weightTokens > 0 ? _weightSum / _weightTokens : null;

    /// <summary>The loss of each update is the sum over its micro-batches; this is their mean over <paramref name="updates"/>.</summary>
    public double Loss(int updates) => _loss / updates;
}
