namespace Ops.Supervision.Specs;

/// <summary>Which kind of probe a health check runs.</summary>
public enum HealthCheckKind
{
    /// <summary>GET Target; healthy on a 2xx answer within Timeout.</summary>
    Http,

    /// <summary>Connect to Target (host:port) within Timeout.</summary>
    Tcp,

    /// <summary>Run Command (argv); healthy on exit 0 within Timeout.</summary>
    Command,
}

/// <summary>A periodic probe of a running instance; FailureThreshold consecutive failures restart it (reason "health").</summary>
/// <param name="Kind">The probe kind.</param>
/// <param name="Target">Http: the URL; Tcp: host:port; Command: unused (see Command).</param>
/// <param name="Command">Command probes: the argv, first element the executable.</param>
/// <param name="Interval">Time between probes.</param>
/// <param name="Timeout">A probe that takes longer fails.</param>
/// <param name="FailureThreshold">Consecutive failures before a restart.</param>
/// <param name="StartGrace">No probe runs before the instance has been Running this long.</param>
public sealed record HealthCheckSpec(
    HealthCheckKind Kind,
    string Target,
    IReadOnlyList<string> Command,
    TimeSpan Interval,
    TimeSpan Timeout,
    int FailureThreshold,
    TimeSpan StartGrace);
