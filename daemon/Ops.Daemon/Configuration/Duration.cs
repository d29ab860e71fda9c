using System.Globalization;

namespace Ops.Daemon.Configuration;

/// <summary>Parses durations the way operators write them: "00:00:10" (hh:mm:ss[.fff]) or "10s", "250ms", "5m", "2h", "1d".</summary>
public static class Duration
{
    private static readonly (string Suffix, double Milliseconds)[] Units =
    [
        ("ms", 1),
        ("s", 1_000),
        ("m", 60_000),
        ("h", 3_600_000),
        ("d", 86_400_000),
    ];

    /// <summary>
    /// Parses <paramref name="text"/>; false when it is neither a TimeSpan nor a number with a unit. A number past
    /// TimeSpan's range ("1e300s") comes back as <see cref="TimeSpan.MaxValue"/> (or MinValue), so that the caller's
    /// limit check reports it as too long instead of the parse failing with an overflow.
    /// </summary>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var trimmed = text.Trim();
        if (trimmed.Contains(':', StringComparison.Ordinal))
        {
            return TimeSpan.TryParse(trimmed, CultureInfo.InvariantCulture, out value);
        }

        // Longest suffix first so "ms" is not read as "m".
        foreach (var (suffix, ms) in Units.OrderByDescending(u => u.Suffix.Length))
        {
            if (trimmed.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(trimmed[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var n)
                && double.IsFinite(n))
            {
                value = FromMilliseconds(n * ms);
                return true;
            }
        }

        return false;
    }

    /// <summary>A number of seconds as a TimeSpan, saturating at TimeSpan's range instead of overflowing.</summary>
    public static TimeSpan FromSeconds(double seconds) => FromMilliseconds(seconds * 1_000);

    /// <summary>The canonical text of <paramref name="value"/> for messages: "00:00:10".</summary>
    public static string Format(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);

    private static TimeSpan FromMilliseconds(double milliseconds)
    {
        // TimeSpan.FromMilliseconds throws OverflowException past about 29,000 years.
        const double limit = 9.2e14;
        return milliseconds >= limit ? TimeSpan.MaxValue
            : milliseconds <= -limit ? TimeSpan.MinValue
            : TimeSpan.FromMilliseconds(milliseconds);
    }
}
