namespace Ops.Benchmarks.Infrastructure;

/// <summary>Finds optional baselines (supervisord, pm2) the way a shell would: on PATH, never installed by the harness.</summary>
internal static class ExecutableSearch
{
    /// <summary>The full path of <paramref name="name"/> on PATH, or null when it is not there.</summary>
    public static string? OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
}
