using Ops.Supervision.Specs;

namespace Ops.Jobs.Specs;

/// <summary>One configured run-to-completion task (Ops:Tasks:&lt;name&gt;), validated and immutable.</summary>
public sealed record TaskSpec
{
    /// <summary>The task name: [a-z0-9][a-z0-9_-]*.</summary>
    public required string Name { get; init; }

    /// <summary>Executable path or name on PATH; never run through a shell.</summary>
    public required string Command { get; init; }

    public IReadOnlyList<string> Args { get; init; } = [];

    public string? WorkingDirectory { get; init; }

    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>The queue its runs wait in; must be declared under Ops:Queues (default always is).</summary>
    public string Queue { get; init; } = QueueSpec.DefaultName;

    /// <summary>A run that takes longer is stopped (StopSignal, StopTimeout, SIGKILL) and fails.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>Failed runs are retried this many times, then Failed.</summary>
    public int Retries { get; init; } = 3;

    /// <summary>Delay before retry n (1-based); the last one repeats.</summary>
    public IReadOnlyList<TimeSpan> RetryDelays { get; init; } = [TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5)];

    /// <summary>Optional recurring schedule (5 or 6 fields).</summary>
    public string? Cron { get; init; }

    /// <summary>Time zone of <see cref="Cron"/>; null = UTC.</summary>
    public string? TimeZone { get; init; }

    /// <summary>Whether callers may add arguments to a run.</summary>
    public bool AllowArgs { get; init; }

    /// <summary>Optional cap on simultaneous runs of this task across all hosts.</summary>
    public int? Concurrency { get; init; }

    /// <summary>Sent to the run's process group on timeout or cancellation.</summary>
    public StopSignal StopSignal { get; init; } = StopSignal.SIGTERM;

    /// <summary>Grace after StopSignal before SIGKILL.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Runs in all: the first plus <see cref="Retries"/>.</summary>
    public int MaxAttempts => Retries + 1;

    /// <summary>The delay before the retry that follows failed attempt <paramref name="attempt"/> (1-based).</summary>
    public TimeSpan RetryDelay(int attempt) =>
        RetryDelays.Count == 0 ? TimeSpan.Zero : RetryDelays[Math.Clamp(attempt - 1, 0, RetryDelays.Count - 1)];
}
