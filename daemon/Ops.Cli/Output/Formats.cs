using System.Globalization;

namespace Ops.Cli.Output;

/// <summary>How opsctl writes durations, times and exits: short, and the same in every command.</summary>
public static class Formats
{
    /// <summary>Shown for an empty cell, so that bare columns stay aligned for awk.</summary>
    public const string None = "-";

    /// <summary>"3d4h", "2h5m", "4m3s", "12s", "0.35s": the two largest units.</summary>
    public static string Duration(TimeSpan span)
    {
        if (span < TimeSpan.Zero)
        {
            span = TimeSpan.Zero; // clocks of the daemon and of opsctl may differ a little
        }

        if (span.TotalDays >= 1)
        {
            return $"{(int)span.TotalDays}d{span.Hours}h";
        }

        if (span.TotalHours >= 1)
        {
            return $"{(int)span.TotalHours}h{span.Minutes}m";
        }

        if (span.TotalMinutes >= 1)
        {
            return $"{(int)span.TotalMinutes}m{span.Seconds}s";
        }

        return span.TotalSeconds >= 10
            ? $"{(int)span.TotalSeconds}s"
            : string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.##}s");
    }

    /// <summary>A delay in milliseconds as a duration; "-" when there is none.</summary>
    public static string Delay(double? milliseconds) => milliseconds is { } ms ? Duration(TimeSpan.FromMilliseconds(ms)) : None;

    /// <summary>A local time: the time alone for today, with the date otherwise.</summary>
    public static string Time(DateTimeOffset at)
    {
        var local = at.ToLocalTime();
        return local.Date == DateTimeOffset.Now.Date
            ? local.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)
            : local.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
    }

    /// <summary>A storage time, which is UTC even when the JSON carries no offset.</summary>
    public static string StorageTime(DateTime? at) =>
        at is { } value ? Time(new DateTimeOffset(value.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(value, DateTimeKind.Utc) : value)) : None;

    /// <summary>"exit 3", "signal 9", or "-".</summary>
    public static string Exit(int? exitCode, int? signal) =>
        signal is { } s ? $"signal {s}" : exitCode is { } c ? $"exit {c}" : None;
}
