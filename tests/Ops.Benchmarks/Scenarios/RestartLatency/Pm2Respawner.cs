using System.Text.Json;
using Ops.Benchmarks.Infrastructure;

namespace Ops.Benchmarks.Scenarios.RestartLatency;

/// <summary>
/// pm2 in the foreground (pm2-runtime) with its own PM2_HOME, one fork-mode app running the child, autorestart,
/// no restart delay. Kills 100 ms after a start count as unstable restarts (min_uptime cannot go below 100 ms),
/// which only matters against max_restarts, so that is set out of reach.
/// </summary>
internal sealed class Pm2Respawner : Respawner
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(15);

    private Pm2Respawner(LaunchedProcess process)
        : base(process)
    {
    }

    /// <summary>pm2-runtime on PATH, or null.</summary>
    public static string? Find() => ExecutableSearch.OnPath("pm2-runtime");

    public static Pm2Respawner Start(string executable, string childScript, string workDirectory, ProcessJanitor janitor)
    {
        var apps = new
        {
            apps = new[]
            {
                new
                {
                    name = "child",
                    script = "/bin/sh",
                    args = new[] { "-c", childScript },
                    interpreter = "none",
                    exec_mode = "fork",
                    autorestart = true,
                    restart_delay = 0,
                    min_uptime = 100,
                    max_restarts = 1_000_000,
                },
            },
        };
        var appsFile = Path.Combine(workDirectory, "pm2-apps.json");
        File.WriteAllText(appsFile, JsonSerializer.Serialize(apps));
        var environment = new Dictionary<string, string> { ["PM2_HOME"] = Directory.CreateDirectory(Path.Combine(workDirectory, "pm2-home")).FullName };
        return new Pm2Respawner(LaunchedProcess.Start("pm2-runtime", executable, [appsFile], janitor, environment));
    }

    public override async Task<string?> StopAsync()
    {
        var (exitCode, took) = await Process.StopAsync(StopTimeout);
        return exitCode is null ? $"pm2-runtime did not exit within {took.TotalSeconds:0.#} s of SIGTERM; killed" : null;
    }
}
