namespace Ops.Jobs.Running;

/// <summary>A run ended badly: non-zero exit, a signal, a timeout, or it could not start. Hangfire shows the message.</summary>
public sealed class TaskRunFailedException(string message, int? exitCode = null, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The exit code when the command exited normally.</summary>
    public int? ExitCode { get; } = exitCode;
}

/// <summary>A run was started more often than 1 + Retries allows (earlier attempts were interrupted, e.g. by a crash).</summary>
public sealed class AttemptsExhaustedException(string message) : Exception(message);

/// <summary>The task already runs Concurrency times; this run waits without using an attempt.</summary>
public sealed class ConcurrencyLimitException(string message) : Exception(message);
