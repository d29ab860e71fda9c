namespace Ops.Cli;

/// <summary>opsctl's exit codes, the contract scripts rely on.</summary>
public static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Ok = 0;

    /// <summary>opsd refused the request (4xx/5xx), or what it ran failed (a failed job of submit).</summary>
    public const int Failed = 1;

    /// <summary>The command line is wrong: unknown command, bad option, unreadable items file.</summary>
    public const int Usage = 2;

    /// <summary>opsd could not be reached: connection refused, timed out, or lost.</summary>
    public const int Unreachable = 3;

    /// <summary>Interrupted by Ctrl+C (128 + SIGINT), as shells report it.</summary>
    public const int Interrupted = 130;
}
