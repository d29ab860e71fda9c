using System.Globalization;
using System.Text.Json;

namespace Ops.Daemon.Configuration;

/// <summary>
/// Reads one configuration section key by key, collecting every error with its full key path instead of
/// stopping at the first, and reporting keys nobody asked for (a typo like "Restartt" must not pass silently).
/// With the file's <see cref="JsonKinds"/>, a value of the wrong JSON kind is an error too, even where binding
/// made it look like an empty section ("Tokens": "x").
/// </summary>
internal sealed class SectionReader(IConfigurationSection section, List<ConfigError> errors, JsonKinds? kinds = null)
{
    private readonly HashSet<string> _known = new(StringComparer.OrdinalIgnoreCase);

    public string Path => section.Path;

    public JsonKinds? Kinds => kinds;

    public bool Exists(string key) => section.GetSection(key).Exists();

    public IConfigurationSection Section(string key) => section.GetSection(key);

    public bool HasChildren(string key) => section.GetSection(key).GetChildren().Any();

    public string? String(string key)
    {
        var child = Take(key);
        if (child.GetChildren().Any() || KindOf(child) is JsonValueKind.Object or JsonValueKind.Array)
        {
            Error(child, "must be a single value, not a list or an object");
            return null;
        }

        if (string.IsNullOrEmpty(child.Value))
        {
            return null;
        }

        return NoNul(child, child.Value) ? child.Value : null;
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

    /// <summary>A duration up to <paramref name="max"/>; <paramref name="allowZero"/> false means it must be positive.</summary>
    public TimeSpan Duration(string key, TimeSpan fallback, bool allowZero, DurationLimit max) =>
        OptionalDuration(key, allowZero, max) ?? fallback;

    public TimeSpan? OptionalDuration(string key, bool allowZero, DurationLimit max)
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

        return CheckDuration(section.GetSection(key), text, value, allowZero, max) ? value : null;
    }

    /// <summary>A number of seconds (may be fractional) or a duration, up to <paramref name="max"/>.</summary>
    public TimeSpan Seconds(string key, TimeSpan fallback, DurationLimit max)
    {
        var text = String(key);
        if (text is null)
        {
            return fallback;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds))
        {
            var value = Configuration.Duration.FromSeconds(seconds);
            return CheckDuration(section.GetSection(key), text, value, allowZero: true, max) ? value : fallback;
        }

        if (Configuration.Duration.TryParse(text, out var duration))
        {
            return CheckDuration(section.GetSection(key), text, duration, allowZero: true, max) ? duration : fallback;
        }

        Error(section.GetSection(key), $"'{text}' is not a number of seconds or a duration (1, 0.5, 00:00:02, 2s)");
        return fallback;
    }

    /// <summary>Reports a negative, zero (unless allowed) or too long <paramref name="value"/> at <paramref name="at"/>.</summary>
    public bool CheckDuration(IConfigurationSection at, string text, TimeSpan value, bool allowZero, DurationLimit max)
    {
        if (value < TimeSpan.Zero || (!allowZero && value == TimeSpan.Zero))
        {
            Error(at, allowZero ? "must not be negative" : "must be positive");
            return false;
        }

        if (value > max.Value)
        {
            Error(at, $"{text.Trim()} is longer than the most opsd can wait ({max.Text}); write {max.Text} or less");
            return false;
        }

        return true;
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
        if (!string.IsNullOrEmpty(child.Value) || KindOf(child) is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False)
        {
            Error(child, $"must be a list, e.g. [\"{child.Value}\"]");
            return [];
        }

        if (KindOf(child) is JsonValueKind.Object)
        {
            Error(child, "must be a list [ ... ], not an object");
            return [];
        }

        var items = new List<string>();
        foreach (var item in OrderedChildren(child))
        {
            if (item.GetChildren().Any() || KindOf(item) is JsonValueKind.Object or JsonValueKind.Array)
            {
                Error(item, "must be a string, not an object or a list");
                continue;
            }

            if (NoNul(item, item.Value ?? string.Empty))
            {
                items.Add(item.Value ?? string.Empty);
            }
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
        if (!string.IsNullOrEmpty(child.Value) || IsNotObject(child))
        {
            Error(child, "must be an object of NAME: value pairs");
            return map;
        }

        foreach (var entry in child.GetChildren())
        {
            if (entry.GetChildren().Any() || KindOf(entry) is JsonValueKind.Object or JsonValueKind.Array)
            {
                Error(entry, "must be a string value");
                continue;
            }

            if (NoNul(entry, entry.Key) && NoNul(entry, entry.Value ?? string.Empty))
            {
                map[entry.Key] = entry.Value ?? string.Empty;
            }
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

        if (!string.IsNullOrEmpty(child.Value) || IsNotObject(child))
        {
            Error(child, "must be an object { ... }");
            return null;
        }

        return new SectionReader(child, errors, kinds);
    }

    /// <summary>
    /// The entries of an object of named entries (Programs, Tasks, Queues), each checked to be an object itself;
    /// <paramref name="example"/> shows one entry in the error about the section's kind.
    /// </summary>
    public IEnumerable<IConfigurationSection> Entries(string key, string example)
    {
        var child = Take(key);
        if (!string.IsNullOrEmpty(child.Value) || IsNotObject(child))
        {
            Error(child, $"must be an object of named entries, e.g. {{ {example} }}");
            return [];
        }

        return child.GetChildren().OrderBy(c => c.Key, StringComparer.Ordinal);
    }

    /// <summary>The items of a list of objects (Tokens), in list order; items that are not objects are reported.</summary>
    public IEnumerable<IConfigurationSection> Items(string key, string example)
    {
        var child = Take(key);
        if (!string.IsNullOrEmpty(child.Value) || KindOf(child) is { } kind && kind is not (JsonValueKind.Array or JsonValueKind.Null))
        {
            Error(child, $"must be a list [ {example} ]");
            return [];
        }

        return OrderedChildren(child).Where(item => IsObjectEntry(item, example)).ToList();
    }

    /// <summary>True when <paramref name="entry"/> is an object; else reports it with an <paramref name="example"/>.</summary>
    public bool IsObjectEntry(IConfigurationSection entry, string example)
    {
        if (!string.IsNullOrEmpty(entry.Value) || IsNotObject(entry) || (kinds is null && !entry.GetChildren().Any()))
        {
            Error(entry, $"must be an object, e.g. {example}");
            return false;
        }

        return true;
    }

    /// <summary>A reader of <paramref name="entry"/> that shares this reader's errors and kinds.</summary>
    public SectionReader For(IConfigurationSection entry) => new(entry, errors, kinds);

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

    /// <summary>The file's JSON kind for <paramref name="at"/>; null without kinds or for a key from the environment.</summary>
    private JsonValueKind? KindOf(IConfigurationSection at) => kinds?.Kind(at.Path);

    /// <summary>A value of the file that is there and is not an object (JSON null counts as not set).</summary>
    private bool IsNotObject(IConfigurationSection at) => KindOf(at) is { } kind && kind is not (JsonValueKind.Object or JsonValueKind.Null);

    /// <summary>No C string (a path, an argv entry, an environment entry) can hold a NUL: it would cut the value short.</summary>
    private bool NoNul(IConfigurationSection at, string value)
    {
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            Error(at, "must not contain a NUL character (\\0)");
            return false;
        }

        return true;
    }

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

    /// <summary>The candidate nearest to <paramref name="key"/>, when it is a near miss.</summary>
    internal static string? Closest(string key, IEnumerable<string> candidates)
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
