namespace Ops.Supervision;

/// <summary>What an operator sees of one instance right now.</summary>
/// <param name="Id">Which instance: its program and 0-based index.</param>
/// <param name="State">Current state.</param>
/// <param name="Pid">The running process (group leader), null when none runs.</param>
/// <param name="Since">When the instance entered <paramref name="State"/>.</param>
/// <param name="Restarts">Automatic restarts since the daemon started (operator starts not counted).</param>
/// <param name="LastExitCode">Exit code of the last exit, null when it was killed by a signal or never exited.</param>
/// <param name="LastSignal">Signal that ended the last process, if any.</param>
/// <param name="Reason">The reason of the last transition ("exit 3", "operator", "health"...).</param>
/// <param name="Healthy">Null without a health check or before the first probe.</param>
public sealed record InstanceSnapshot(
    InstanceId Id,
    InstanceState State,
    int? Pid,
    DateTimeOffset Since,
    int Restarts,
    int? LastExitCode,
    int? LastSignal,
    string? Reason,
    bool? Healthy)
{
    /// <summary>The program name (of <see cref="Id"/>).</summary>
    public string Program => Id.Program;

    /// <summary>The 0-based instance number (of <see cref="Id"/>).</summary>
    public int Index => Id.Index;
}
