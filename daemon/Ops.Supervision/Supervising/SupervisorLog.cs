using Microsoft.Extensions.Logging;

namespace Ops.Supervision.Supervising;

/// <summary>The supervisor's log events, with the stable property names of DESIGN.md.</summary>
internal static partial class SupervisorLog
{
    [LoggerMessage(EventId = 1, Message = "{Program}:{Instance} {From} -> {State} ({Reason})")]
    public static partial void Transition(
        ILogger logger, LogLevel level, string program, int instance, InstanceState from, InstanceState state, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information,
        Message = "{Program}:{Instance} waits for {Dependencies} to be Running (and healthy) before it starts ({Reason})")]
    public static partial void WaitingForDependencies(
        ILogger logger, string program, int instance, string dependencies, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning,
        Message = "{Program}:{Instance} pid {Pid} failed a health check ({Detail}): {Failures} of {Threshold} in a row")]
    public static partial void HealthCheckFailed(
        ILogger logger, string program, int instance, int? pid, string detail, int failures, int threshold);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "{Program}:{Instance} pid {Pid} is healthy")]
    public static partial void Healthy(ILogger logger, string program, int instance, int? pid);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning,
        Message = "{Program}:{Instance} pid {Pid} uses {RssMB} MB, over its limit of {LimitMB} MB; restarting ({Reason})")]
    public static partial void MemoryOverLimit(
        ILogger logger, string program, int instance, int pid, long rssMB, int limitMB, string reason);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning,
        Message = "{Program}:{Instance} pid {Pid} did not stop within {StopTimeout} of {Signal}; its process group was killed")]
    public static partial void StopTimedOut(
        ILogger logger, string program, int instance, int pid, TimeSpan stopTimeout, string signal);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning,
        Message = "{Program}:{Instance} pid {Pid} exited but processes of its group were left; they were killed")]
    public static partial void KillingSurvivors(ILogger logger, string program, int instance, int pid);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning,
        Message = "{Program}:{Instance} process group {Pid} is still not empty after SIGKILL (pids {Pids}); killing it again")]
    public static partial void GroupStillAlive(ILogger logger, string program, int instance, int pid, string pids, Exception? exception);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning, Message = "{Program}:{Instance} pid {Pid}: {Operation} failed")]
    public static partial void ProcessCallFailed(
        ILogger logger, string program, int instance, int pid, string operation, Exception exception);

    [LoggerMessage(EventId = 10, Level = LogLevel.Error,
        Message = "{Program}:{Instance} the launcher failed unexpectedly; counted as a failed start ({Reason})")]
    public static partial void LauncherFailed(ILogger logger, string program, int instance, string reason, Exception exception);

    [LoggerMessage(EventId = 11, Level = LogLevel.Error,
        Message = "{Program}:{Instance} pid {Pid}: the exit status could not be read; treated as exit code {ExitCode}")]
    public static partial void ExitUnknown(ILogger logger, string program, int instance, int pid, int exitCode, Exception? exception);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning,
        Message = "Memory sampling failed; memory limits are not enforced this round")]
    public static partial void SamplerFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 13, Level = LogLevel.Error,
        Message = "The supervision loop failed handling {Event}; supervision continues")]
    public static partial void EventFailed(ILogger logger, string @event, Exception exception);

    [LoggerMessage(EventId = 14, Level = LogLevel.Error,
        Message = "A TransitionRecorded handler failed on {Program}:{Instance} -> {State} ({Reason}); supervision continues")]
    public static partial void ObserverFailed(
        ILogger logger, string program, int instance, InstanceState state, string reason, Exception exception);

    [LoggerMessage(EventId = 15, Level = LogLevel.Warning,
        Message = "{Program} depends on {Dependency}, which is not configured; that dependency is ignored")]
    public static partial void UnknownDependency(ILogger logger, string program, string dependency);

    [LoggerMessage(EventId = 16, Level = LogLevel.Information,
        Message = "Stopping every program in reverse dependency order ({Levels} levels)")]
    public static partial void StoppingAll(ILogger logger, int levels);

    [LoggerMessage(EventId = 17, Level = LogLevel.Information, Message = "Every program is stopped")]
    public static partial void AllStopped(ILogger logger);

    [LoggerMessage(EventId = 18, Level = LogLevel.Information,
        Message = "{Command} {Target}: {Status} ({Message})")]
    public static partial void CommandHandled(
        ILogger logger, CommandKind command, string target, CommandStatus status, string message);

    [LoggerMessage(EventId = 19, Level = LogLevel.Information,
        Message = "Reloading programs: added {Added}, removed {Removed}, changed {Changed}; {Unchanged} unchanged keep running")]
    public static partial void Reloading(
        ILogger logger, IReadOnlyList<string> added, IReadOnlyList<string> removed, IReadOnlyList<string> changed, int unchanged);

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Reload applied: dropped {Dropped}, started {Started}")]
    public static partial void ReloadApplied(ILogger logger, IReadOnlyList<InstanceId> dropped, IReadOnlyList<InstanceId> started);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "Reload abandoned halfway: {Why}")]
    public static partial void ReloadAbandoned(ILogger logger, string why);
}
