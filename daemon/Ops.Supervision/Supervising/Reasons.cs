namespace Ops.Supervision.Supervising;

/// <summary>The reasons the supervisor itself records (exits add "exit N" and "signal N").</summary>
public static class Reasons
{
    /// <summary>An operator command.</summary>
    public const string Operator = "operator";

    /// <summary>Waiting for programs in DependsOn.</summary>
    public const string Dependency = "dependency";

    /// <summary>Too many failed health probes in a row.</summary>
    public const string Health = "health";

    /// <summary>The process tree went over MemoryLimitMB.</summary>
    public const string Memory = "memory";

    /// <summary>The process stayed up StartSeconds: the start succeeded.</summary>
    public const string Started = "started";

    /// <summary>Started by the daemon because the program has AutoStart.</summary>
    public const string AutoStart = "autostart";

    /// <summary>An automatic start after the backoff delay.</summary>
    public const string Restart = "restart";

    /// <summary>A Fatal instance tried again after FatalRetryAfter.</summary>
    public const string FatalRetry = "fatal-retry";

    /// <summary>Stopped, or started again, because a configuration reload removed or changed the program.</summary>
    public const string Config = "config";

    /// <summary>Stopped because the daemon is stopping.</summary>
    public const string Shutdown = "shutdown";
}
