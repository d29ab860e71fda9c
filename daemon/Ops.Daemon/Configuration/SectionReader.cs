using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Ops.Daemon.Configuration;

/// <summary>
/// Reads one configuration section key by key, collecting every error with its full key path instead of
/// stopping at the first, and reporting keys nobody asked for (a typo like "Restartt" must not pass silently).
/// </summary>
internal sealed class SectionReader(IConfigurationSection section, List<ConfigError> errors)
{
    private readonly HashSet<string> _known = new(StringComparer.OrdinalIgnoreCase);

    public string Path => section.Path;

    public bool Exists(string key) => section.GetSection(key).Exists();

    public string? String(string key)
    {
        var child = Take(key);
        if (child.GetChildren().Any())
        {
            Error(child, "must be a single value, not a list or an object");
            return null;
        }

        return string.IsNullOrEmpty(child.Value) ? null : child.Value;
    }

    public string? RequiredString(string key, string hint)
    {
        var value = String(key);
        if (value is null && !section.GetSection(key).GetChildren().Any())
        {
            Error(section.GetSection(key), $"is required; {hint}");
        }

        return value;
    }

    public int Int(string key, int fallback, int min, int max)
    {
        var text = String(key);
        if (text is null)
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            Error(section.GetSection(key), $"'{text}' is not a whole number");
            return fallback;
        }

        return InRange(key, value, min, max) ? value : fallback;
    }

    public long Long(string key, long fallback, long min, long max)
    {
        var text = String(key);
        if (text is null)
        {
            return fallback;
        }

        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            Error(section.GetSection(key), $"'{text}' is not a whole number");
            return fallback;
        }

        if (value < min || value > max)
        {
            Error(section.GetSection(key), $"must be between {min} and {max}, not {value}");
            return fallback;
        }

        return value;
    }

    public double Double(string key, double fallback, double min, double max, string rangeText)
    {
        var text = String(key);
        if (text is null)
        {
            return fallback;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            Error(section.GetSection(key), $"'{text}' is not a number");
            return fallback;
        }

        if (value < min || value > max)
        {
            Error(section.GetSection(key), $"must be {rangeText}, not {text}");
            return fallback;
        }

        return value;
    }

    public bool Bool(string key, bool fallback)
    {
        var text = String(key);
        if (text is null)
        {
            return fallback;
        }

        if (!bool.TryParse(text, out var value))
        {
            Error(section.GetSection(key), $"'{text}' is not true or false");
            return fallback;
        }

        return value;
    }

    /// <summary>A duration; <paramref name="allowZero"/> false means it must be positive.</summary>
    public TimeSpan Duration(string key, TimeSpan fallback, bool allowZero) =>
        OptionalDuration(key, allowZero) ?? fallback;

    public TimeSpan? OptionalDuration(string key, bool allowZero)
    {
        var text = String(key);
        if (text is null)
        {
            return null;
        }

        if (!Configuration.Duration.TryParse(text, out var value))
        {
            Error(section.GetSection(key), $"'{text}' is not a duration; write it as 00:00:10 or 10s (units: ms, s, m, h, d)");
            return null;
        }

        if (value < TimeSpan.Zero || (!allowZero && value == TimeSpan.Zero))
        {
            Error(section.GetSection(key), allowZero ? "must not be negative" : "must be positive");
            return null;
        }

        return value;
    }

    /// <summary>A number of seconds (may be fractional) or a duration.</summary>
    public TimeSpan Seconds(string key, TimeSpan fallback)
    {
        var text = String(key);
        if (text is null)
        {
            return fallback;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds))
        {
            if (seconds < 0)
            {
                Error(section.GetSection(key), "must not be negative");
                return fallback;
            }

            return TimeSpan.FromSeconds(seconds);
        }

        if (Configuration.Duration.TryParse(text, out var value) && value >= TimeSpan.Zero)
        {
            return value;
        }

        Error(section.GetSection(key), $"'{text}' is not a number of seconds or a duration (1, 0.5, 00:00:02, 2s)");
        return fallback;
    }

    public TEnum Enum<TEnum>(string key, TEnum fallback)
        where TEnum : struct, System.Enum
    {
        var text = String(key);
        if (text is null)
        {
            return fallback;
        }

        if (!int.TryParse(text, out _) && System.Enum.TryParse<TEnum>(text, ignoreCase: true, out var value))
        {
            return value;
        }

        Error(section.GetSection(key), $"'{text}' is not one of {string.Join(", ", System.Enum.GetNames<TEnum>())}");
        return fallback;
    }

    /// <summary>A JSON array of strings. A lone string is refused: argv must be explicit.</summary>
    public List<string> StringList(string key)
    {
        var child = Take(key);
        if (!string.IsNullOrEmpty(child.Value))
        {
            Error(child, $"must be a list, e.g. [\"{child.Value}\"]");
            return [];
        }

        var items = new List<string>();
        foreach (var item in OrderedChildren(child))
        {
            if (item.GetChildren().Any())
            {
                Error(item, "must be a string, not an object or a list");
                continue;
            }

            items.Add(item.Value ?? string.Empty);
        }

        return items;
    }

    public List<int> IntList(string key, int min, int max)
    {
        var result = new List<int>();
        var child = section.GetSection(key);
        foreach (var (text, index) in StringList(key).Select((t, i) => (t, i)))
        {
            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            {
                Error(child.GetSection(index.ToString(CultureInfo.InvariantCulture)), $"'{text}' is not a whole number between {min} and {max}");
                continue;
            }

            result.Add(value);
        }

        return result;
    }

    public Dictionary<string, string> Map(string key)
    {
        var child = Take(key);
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!string.IsNullOrEmpty(child.Value))
        {
            Error(child, "must be an object of NAME: value pairs");
            return map;
        }

        foreach (var entry in child.GetChildren())
        {
            if (entry.GetChildren().Any())
            {
                Error(entry, "must be a string value");
                continue;
            }

            map[entry.Key] = entry.Value ?? string.Empty;
        }

        return map;
    }

    /// <summary>A nested section; its own unknown keys are reported when <see cref="Finish"/> is called on it.</summary>
    public SectionReader? Child(string key)
    {
        var child = Take(key);
        if (!child.Exists())
        {
            return null;
        }

        if (!string.IsNullOrEmpty(child.Value))
        {
            Error(child, "must be an object");
            return null;
        }

        return new SectionReader(child, errors);
    }

    /// <summary>Marks keys that are read elsewhere (or reserved for later) as known.</summary>
    public void Allow(params string[] keys)
    {
        foreach (var key in keys)
        {
            _known.Add(key);
        }
    }

    /// <summary>Reports every key of this section that nobody read.</summary>
    public void Finish()
    {
        foreach (var child in section.GetChildren())
        {
            if (_known.Contains(child.Key))
            {
                continue;
            }

            var suggestion = Closest(child.Key, _known);
            var hint = suggestion is null ? string.Empty : $"; did you mean '{suggestion}'?";
            Error(child, $"unknown key '{child.Key}'{hint} Known keys: {string.Join(", ", _known.Order(StringComparer.OrdinalIgnoreCase))}");
        }
    }

    /// <summary>An error about this section as a whole.</summary>
    public void ErrorHere(string message) => errors.Add(new ConfigError(section.Path, message));

    public void Error(IConfigurationSection at, string message) => errors.Add(new ConfigError(at.Path, message));

    public void Error(string key, string message) => errors.Add(new ConfigError(section.GetSection(key).Path, message));

    private IConfigurationSection Take(string key)
    {
        _known.Add(key);
        return section.GetSection(key);
    }

    private bool InRange(string key, int value, int min, int max)
    {
        if (value >= min && value <= max)
        {
            return true;
        }

        var range = max == int.MaxValue ? $"at least {min}" : $"between {min} and {max}";
        Error(section.GetSection(key), $"must be {range}, not {value}");
        return false;
    }

    private static IEnumerable<IConfigurationSection> OrderedChildren(IConfigurationSection section) =>
        section.GetChildren().OrderBy(c => int.TryParse(c.Key, out var i) ? i : int.MaxValue);

    private static string? Closest(string key, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = EditDistance(key.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (distance < bestDistance)
            {
                (best, bestDistance) = (candidate, distance);
            }
        }

        // Only suggest near misses; a wholly different word gets the list of known keys instead.
        return bestDistance <= Math.Max(2, key.Length / 3) ? best : null;
    }

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
