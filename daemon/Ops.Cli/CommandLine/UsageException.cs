namespace Ops.Cli.CommandLine;

/// <summary>A command line that parsed but cannot be used: a bad --url, an unreadable items file (exit 2).</summary>
public sealed class UsageException(string message) : Exception(message);
