namespace Ops.Jobs.Running;

/// <summary>Names of the Hangfire job parameters Ops keeps on each task run.</summary>
public static class JobParameters
{
    /// <summary>Runs started so far, counted before each start so that a crash mid-run counts too.</summary>
    public const string Attempt = "OpsAttempt";

    public const string ExitCode = "OpsExitCode";

    public const string Signal = "OpsSignal";

    public const string StderrTail = "OpsStderrTail";

    /// <summary>The host that ran the last attempt.</summary>
    public const string Host = "OpsHost";

    /// <summary>Why the last attempt failed, as shown in the console and the API.</summary>
    public const string Failure = "OpsFailure";
}
