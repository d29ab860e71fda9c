namespace Ops.Daemon.Configuration;

/// <summary>One problem in the configuration, with the full key path and what to do about it.</summary>
/// <param name="Path">The key path, e.g. "Ops:Programs:web:StopTimeout".</param>
/// <param name="Message">What is wrong and how to fix it.</param>
public sealed record ConfigError(string Path, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Path}: {Message}";
}
