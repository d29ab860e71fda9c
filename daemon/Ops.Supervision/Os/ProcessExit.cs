using System.Globalization;

namespace Ops.Supervision.Os;

/// <summary>How a process ended: exactly one of ExitCode (normal exit) or Signal (killed by a signal) is set.</summary>
public readonly record struct ProcessExit(int? ExitCode, int? Signal)
{
    /// <summary>A normal exit with <paramref name="code"/>.</summary>
    public static ProcessExit Exited(int code) => new(code, null);

    /// <summary>Killed by signal <paramref name="signal"/>.</summary>
    public static ProcessExit Killed(int signal) => new(null, signal);

    /// <summary>The reason operators read: "exit 3" or "signal 9".</summary>
    public string Describe() => ExitCode is { } code
        ? string.Create(CultureInfo.InvariantCulture, $"exit {code}")
        : string.Create(CultureInfo.InvariantCulture, $"signal {Signal}");

    /// <inheritdoc/>
    public override string ToString() => Describe();
}
