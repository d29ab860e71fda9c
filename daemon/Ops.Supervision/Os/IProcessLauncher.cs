namespace Ops.Supervision.Os;

/// <summary>Starts processes, each the leader of its own new session and process group.</summary>
public interface IProcessLauncher
{
    /// <summary>
    /// Starts <paramref name="spec"/> in a new process group and returns at once (no waiting for the exit).
    /// Throws <see cref="LaunchException"/> when the process cannot be started (command not found, bad user,
    /// missing working directory); the supervisor treats that as a failed start.
    /// </summary>
    IRunningProcess Start(LaunchSpec spec);
}

/// <summary>A process could not be started; the message names the program and the cause.</summary>
public sealed class LaunchException(string message, Exception? inner = null) : Exception(message, inner);
