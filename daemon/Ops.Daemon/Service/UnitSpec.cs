namespace Ops.Daemon.Service;

/// <summary>
/// Everything the systemd unit says, decided from the config before any text is written: a plain record so that
/// <see cref="SystemdUnit.Render"/> is a pure function of it.
/// </summary>
public sealed record UnitSpec
{
    /// <summary>The program and arguments systemd starts (the opsd executable, or dotnet and opsd.dll).</summary>
    public required IReadOnlyList<string> ExecStart { get; init; }

    /// <summary>The config file as opsd sees it on the target system (inside --root when one is given).</summary>
    public required string ConfigPath { get; init; }

    /// <summary>Null: run as root, which starting programs as their configured User needs.</summary>
    public string? User { get; init; }

    /// <summary>Where opsd keeps its state on the target system.</summary>
    public required string StateDirectory { get; init; }

    /// <summary>Where opsd writes its logs on the target system.</summary>
    public required string LogDirectory { get; init; }

    /// <summary>True when the config leaves the state directory to the default, so the unit pins it.</summary>
    public bool PinStateDirectory { get; init; }

    /// <summary>True when the config leaves the log directory to the default, so the unit pins it.</summary>
    public bool PinLogDirectory { get; init; }

    /// <summary>The host's own shutdown budget (programs level by level, task runs, margin); the unit waits longer.</summary>
    public required TimeSpan HostShutdownTimeout { get; init; }

    /// <summary>The longest StopTimeout of any program, shown in the unit's comment.</summary>
    public TimeSpan LongestProgramStopTimeout { get; init; }

    /// <summary>How many dependency levels the programs stop in, shown in the unit's comment.</summary>
    public int StopLevels { get; init; } = 1;

    /// <summary>Task storage is PostgreSQL: order opsd after a local postgresql.service.</summary>
    public bool UsesPostgreSql { get; init; }
}
