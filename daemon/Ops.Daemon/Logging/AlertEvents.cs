namespace Ops.Daemon.Logging;

/// <summary>
/// The events worth an alert. Each is one well-formed event carrying every fact an operator needs, under the stable
/// property names, plus <c>Alert</c> = its kind, so that one Seq signal (<c>Alert is not null</c>) catches them all.
/// Call each once per occurrence (when a task has failed for good, when storage goes down and when it is back), never
/// once per retry. A program going Fatal needs no call: the supervisor's own transition event (Error, with Program,
/// Instance, State, Reason, Pid and ExitCode) is tagged <c>Alert = ProgramFatal</c> by <see cref="AlertEnricher"/>.
/// </summary>
/// <remarks>
/// Plain Microsoft.Extensions.Logging: no Serilog type appears. Ops.Jobs sits below the daemon and cannot call these;
/// its own events for the same occasions (event ids 3001, 3002, 3101, 3201, 3202) are tagged by
/// <see cref="AlertEnricher"/> instead. Moved into a project both can reference, these would serve both unchanged.
/// </remarks>
public static partial class AlertEvents
{
    /// <summary>The first event id reserved for alerts; ids up to <see cref="LastEventId"/> with a kind's name are alerts.</summary>
    public const int FirstEventId = 9001;

    /// <summary>The last event id reserved for alerts.</summary>
    public const int LastEventId = 9099;

    /// <summary>A task run failed on its last attempt: Error with Task, JobId, Attempt, Queue, Reason, ExitCode.</summary>
    [LoggerMessage(EventId = 9001, EventName = Kinds.TaskFailed, Level = LogLevel.Error,
        Message = "Task {Task} job {JobId} failed on its last attempt ({Attempt}) in queue {Queue}: {Reason} (exit code {ExitCode})")]
    public static partial void TaskFailed(ILogger logger, string task, string jobId, int attempt, string queue, string reason, int? exitCode);

    /// <summary>A run request was refused because its queue is full: Warning with Queue, Task, Length, Capacity, Refused.</summary>
    [LoggerMessage(EventId = 9002, EventName = Kinds.QueueAtCapacity, Level = LogLevel.Warning,
        Message = "Queue {Queue} is at capacity ({Length} of {Capacity} waiting): refused {Refused} run(s) of task {Task}")]
    public static partial void QueueAtCapacity(ILogger logger, string queue, long length, int capacity, int refused, string task);

    /// <summary>Task storage stopped answering: Error with Provider and Reason.</summary>
    [LoggerMessage(EventId = 9003, EventName = Kinds.StorageDown, Level = LogLevel.Error,
        Message = "Storage {Provider} is down: {Reason}; task runs wait until it is back")]
    public static partial void StorageDown(ILogger logger, string provider, string reason, Exception? exception);

    /// <summary>Task storage answers again: Information with Provider and Downtime (closes a StorageDown alert).</summary>
    [LoggerMessage(EventId = 9004, EventName = Kinds.StorageUp, Level = LogLevel.Information,
        Message = "Storage {Provider} is back after {Downtime}")]
    public static partial void StorageUp(ILogger logger, string provider, TimeSpan downtime);

    /// <summary>The values of the Alert property.</summary>
    public static class Kinds
    {
        /// <summary>A program instance went Fatal (its restart budget is spent).</summary>
        public const string ProgramFatal = "ProgramFatal";

        /// <summary>A task run failed after its last retry.</summary>
        public const string TaskFailed = "TaskFailed";

        /// <summary>A queue refused runs because it is full.</summary>
        public const string QueueAtCapacity = "QueueAtCapacity";

        /// <summary>Task storage is down.</summary>
        public const string StorageDown = "StorageDown";

        /// <summary>Task storage is back.</summary>
        public const string StorageUp = "StorageUp";

        /// <summary>Every kind that an event id in the alert range may carry.</summary>
        internal static readonly HashSet<string> ByEventId = [TaskFailed, QueueAtCapacity, StorageDown, StorageUp];
    }
}
