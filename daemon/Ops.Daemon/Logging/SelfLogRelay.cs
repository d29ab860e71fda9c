using System.Globalization;
using Serilog.Core;
using ILogger = Serilog.ILogger;

namespace Ops.Daemon.Logging;

/// <summary>
/// Serilog reports its own failures (Seq down, Seq refusing the API key, a buffer file that cannot be written) only
/// to SelfLog. This relays them as Warnings to the local sinks (console and file, never Seq, which may be what is
/// failing), at most <see cref="MaxPerWindow"/> per <see cref="Window"/> with a count of the rest, so an operator
/// without Seq sees that shipping fails and why, and a failing sink can neither flood the journal nor loop.
/// </summary>
internal sealed class SelfLogRelay(TimeProvider time)
{
    /// <summary>The SourceContext of relayed messages; the Seq sink excludes it.</summary>
    public const string SourceContext = "Serilog.SelfLog";

    /// <summary>Messages relayed per window; the rest are counted and the count goes with the next one relayed.</summary>
    public const int MaxPerWindow = 5;

    /// <summary>The rate-limiting window.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    [ThreadStatic]
    private static bool Relaying;

    private readonly Lock _gate = new();
    private ILogger? _logger;
    private long _windowStart = time.GetTimestamp();
    private int _inWindow;
    private long _suppressed;

    /// <summary>Starts relaying to <paramref name="logger"/> (built after the relay, because the relay is part of its setup).</summary>
    public void Attach(ILogger logger) =>
        _logger = logger.ForContext(Constants.SourceContextPropertyName, SourceContext);

    /// <summary>The SelfLog output: one message, as Serilog formats it (a timestamp, then the text).</summary>
    public void Write(string message)
    {
        // A local sink that fails while we relay reports to SelfLog again, on this very thread: drop that.
        if (Relaying || _logger is not { } logger || string.IsNullOrWhiteSpace(message))
        {
            return;
        }

        long suppressed;
        lock (_gate)
        {
            var now = time.GetTimestamp();
            if (time.GetElapsedTime(_windowStart, now) >= Window)
            {
                (_windowStart, _inWindow) = (now, 0);
            }

            if (_inWindow >= MaxPerWindow)
            {
                _suppressed++;
                return;
            }

            _inWindow++;
            (suppressed, _suppressed) = (_suppressed, 0);
        }

        Relaying = true;
        try
        {
            var problem = Describe(message);
            if (suppressed == 0)
            {
                logger.Warning("Logging problem reported by Serilog: {Problem}{Advice}", problem, Advise(problem));
            }
            else
            {
                logger.Warning("Logging problem reported by Serilog: {Problem}{Advice} ({Suppressed} more were not shown since the last one)", problem, Advise(problem), suppressed);
            }
        }
        finally
        {
            Relaying = false;
        }
    }

    /// <summary>The message without SelfLog's timestamp and without stack frames (the first lines say what failed).</summary>
    internal static string Describe(string message)
    {
        var text = message.Trim();
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        if (space > 0 && DateTimeOffset.TryParse(text[..space], CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _))
        {
            text = text[(space + 1)..];
        }

        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).TakeWhile(l => !l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
        return string.Join(" | ", lines.Where(l => l.Length > 0).Select(l => l.Trim()));
    }

    private static string Advise(string problem)
    {
        if (problem.Contains("Unauthorized", StringComparison.Ordinal) || problem.Contains("Forbidden", StringComparison.Ordinal))
        {
            return "; Seq refused the API key: check Ops:Logging:Seq:ApiKey. Events stay in the durable buffer and are sent once Seq accepts them";
        }

        if (problem.Contains("shipping", StringComparison.OrdinalIgnoreCase) || problem.Contains("HttpLogShipper", StringComparison.Ordinal))
        {
            return "; events stay in the durable buffer and are retried with backoff";
        }

        return string.Empty;
    }
}
