namespace Ops.Supervision.Specs;

/// <summary>Signals an operator may choose to stop a program with; values are Linux signal numbers.</summary>
#pragma warning disable CA1707 // the names operators write in config are the POSIX names
public enum StopSignal
{
    SIGHUP = 1,
    SIGINT = 2,
    SIGQUIT = 3,
    SIGKILL = 9,
    SIGUSR1 = 10,
    SIGUSR2 = 12,
    SIGTERM = 15,
}
#pragma warning restore CA1707
