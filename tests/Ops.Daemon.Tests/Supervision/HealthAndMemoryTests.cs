using System.Text.Json.Nodes;
using Ops.Daemon.Tests.Support;

namespace Ops.Daemon.Tests.Supervision;

/// <summary>Memory limits and health checks restart a program with the right reason.</summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
public sealed class HealthAndMemoryTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task MemoryLimit_TreeOverLimit_RestartedWithReasonMemory()
    {
        await using var opsd = await new Opsd(new JsonObject
        {
            ["hog"] = Worker.Program(["--alloc-mb", "150", "--forever"], new JsonObject { ["MemoryLimitMB"] = 100 }),
        }).StartAsync();

        await opsd.WaitForAsync("hog", i => i.Restarts >= 1, Wait, "restarted");

        var history = await opsd.HistoryAsync("hog");
        Assert.Contains(history, t => t.From == "Running" && t.To == "Stopping" && t.Reason == "memory");
    }

    [Fact]
    public async Task HttpHealthCheck_StartsFailing_RestartedWithReasonHealth()
    {
        var port = Tools.FreePort();
        await using var opsd = await new Opsd(new JsonObject
        {
            ["web"] = Worker.Program(["--http", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--http-fail-after", "2", "--forever"], new JsonObject
            {
                ["Health"] = new JsonObject
                {
                    ["Http"] = $"http://127.0.0.1:{port}/health",
                    ["Interval"] = "200ms",
                    ["Timeout"] = "1s",
                    ["FailureThreshold"] = 2,
                    ["StartGrace"] = "0s",
                },
            }),
        }).StartAsync();

        await opsd.WaitForAsync("web", i => i.Restarts >= 1, Wait, "restarted");

        var history = await opsd.HistoryAsync("web");
        Assert.Contains(history, t => t.From == "Running" && t.To == "Stopping" && t.Reason == "health");
    }
}
