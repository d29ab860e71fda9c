namespace Ops.Jobs.Running;

/// <summary>
/// The Hangfire job parameters Ops keeps on each task run. Two writes per attempt, each a storage round trip:
/// the attempt count before the run starts, and the outcome when it ends.
/// </summary>
public static class JobParameters
{
    /// <summary>Runs started so far, counted before each start so that a crash mid-run counts too.</summary>
    public const string Attempt = "OpsAttempt";

    /// <summary>The outcome of the last attempt: a <see cref="RunOutcome"/>.</summary>
    public const string Outcome = "OpsOutcome";

    /// <summary>Where the attempt filter hands the attempt number to the job within one perform (no second read).</summary>
    internal const string AttemptItem = "Ops.Attempt";
}

/// <summary>What the last attempt of a run left: who ran it, how it ended, why it failed, its last stderr lines.</summary>
/// <param name="Host">The host that ran it.</param>
/// <param name="ExitCode">Exit code of a normal exit.</param>
/// <param name="Signal">Signal that ended it.</param>
/// <param name="Failure">Why it failed (null on success).</param>
/// <param name="StderrTail">The last stderr lines.</param>
public sealed record RunOutcome(string? Host, int? ExitCode, int? Signal, string? Failure, string[] StderrTail);
