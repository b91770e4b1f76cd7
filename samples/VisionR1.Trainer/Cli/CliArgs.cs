using System.Globalization;

namespace VisionR1.Trainer.Cli;

/// <summary>Thrown for a bad command line; the message is printed with the command's usage.</summary>
public sealed class CliUsageException(string message) : Exception(message);

/// <summary>
/// `--name value` options, `--flag` switches and positional words. Every option a command
/// reads is recorded, so <see cref="ThrowOnUnknown"/> can reject typos by name.
/// </summary>
public sealed class CliArgs
{
    private readonly Dictionary<string, List<string>> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    /// <summary>Words that are not options, in order.</summary>
    public IReadOnlyList<string> Positional { get; }

    /// <summary>Parses the words after the command name. Words known to be switches never take a value.</summary>
    public CliArgs(IEnumerable<string> words, IEnumerable<string>? switches = null)
    {
        var known = new HashSet<string>(switches ?? [], StringComparer.Ordinal);
        var positional = new List<string>();
        var list = words.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            var w = list[i];
            if (w == "--")
            {
                positional.AddRange(list.Skip(i + 1));
                break;
            }
            if (w.StartsWith("--", StringComparison.Ordinal) && w.Length > 2)
            {
                var name = w[2..];
                string? value = null;
                int eq = name.IndexOf('=');
                if (eq >= 0)
                {
                    value = name[(eq + 1)..];
                    name = name[..eq];
                }
                else if (!known.Contains(name) && i + 1 < list.Count && !list[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    value = list[++i];
                }
                if (value is null) _flags.Add(name);
                else
                {
                    if (!_options.TryGetValue(name, out var values)) _options[name] = values = [];
                    values.Add(value);
                }
            }
            else positional.Add(w);
        }
        Positional = positional;
    }

    /// <summary>Whether the switch was given.</summary>
    public bool Flag(string name)
    {
        _read.Add(name);
        return _flags.Contains(name);
    }

    /// <summary>The last value of an option, or null.</summary>
    public string? Get(string name)
    {
        _read.Add(name);
        if (_flags.Contains(name)) throw new CliUsageException($"--{name} needs a value.");
        return _options.TryGetValue(name, out var v) ? v[^1] : null;
    }

    /// <summary>All values of a repeated option.</summary>
    public IReadOnlyList<string> GetAll(string name)
    {
        _read.Add(name);
        return _options.TryGetValue(name, out var v) ? v : [];
    }

    /// <summary>A required option.</summary>
    public string Require(string name) => Get(name) ?? throw new CliUsageException($"--{name} is required.");

    /// <summary>An integer option with a default.</summary>
    public int GetInt(string name, int fallback)
    {
        var s = Get(name);
        if (s is null) return fallback;
        return int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new CliUsageException($"--{name} expects an integer, got '{s}'.");
    }

    /// <summary>A floating-point option with a default.</summary>
    public double GetDouble(string name, double fallback)
    {
        var s = Get(name);
        if (s is null) return fallback;
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new CliUsageException($"--{name} expects a number, got '{s}'.");
    }

    /// <summary>Throws for any option or switch that the command never read.</summary>
    public void ThrowOnUnknown()
    {
        var unknown = _options.Keys.Concat(_flags).Where(k => !_read.Contains(k)).ToList();
        if (unknown.Count > 0)
            throw new CliUsageException("Unknown option(s): " + string.Join(", ", unknown.Select(u => "--" + u)) + ".");
    }
}
