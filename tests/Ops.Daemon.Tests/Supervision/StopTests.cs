using System.Diagnostics;
using System.Text.Json.Nodes;
using Ops.Daemon.Tests.Support;

namespace Ops.Daemon.Tests.Supervision;

/// <summary>Stopping: process groups, SIGKILL after StopTimeout, reverse dependency order, daemon shutdown.</summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
public sealed class StopTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Stop_ChildAndGrandchildIgnoreSigterm_BothEndWithinStopTimeoutPlusOneSecond()
    {
        var pidFile = Path.Combine(Path.GetTempPath(), $"ops-pids-{Guid.NewGuid():N}");
        await using var opsd = await new Opsd(new JsonObject
        {
            ["stubborn"] = Worker.Program(["--ignore-term", "--grandchildren", "1", "--pid-file", pidFile, "--forever"], new JsonObject { ["StopTimeout"] = "2s" }),
        }).StartAsync();
        await opsd.WaitForStateAsync("stubborn", "Running", Wait);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (Worker.ReadPids(pidFile).Count < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(25);
        }

        var pids = Worker.ReadPids(pidFile);
        Assert.Equal(2, pids.Count);
        Assert.All(pids, p => Assert.True(ProcessTable.IsAlive(p)));

        var clock = Stopwatch.StartNew();
        var response = await opsd.CommandAsync("stop", "stubborn");
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        await opsd.WaitForStateAsync("stubborn", "Stopped", Wait);
        clock.Stop();

        Assert.All(pids, p => Assert.False(ProcessTable.IsAlive(p), $"pid {p} survived the stop"));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"stop took {clock.Elapsed}, StopTimeout is 2 s");
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.9), $"stop took only {clock.Elapsed}: SIGKILL came before StopTimeout");
        Assert.Empty(opsd.LiveChildren());
        File.Delete(pidFile);
    }

    [Fact]
    public async Task DependsOn_BStartsAfterARunningAndStopsBeforeA()
    {
        var order = Path.Combine(Path.GetTempPath(), $"ops-order-{Guid.NewGuid():N}");
        string Script(string name) => $"trap 'echo {name}-term >> {order}; sleep 0.3; echo {name}-gone >> {order}; exit 0' TERM; echo {name}-up >> {order}; while true; do sleep 0.05; done";
        await using var opsd = await new Opsd(new JsonObject
        {
            ["b"] = Worker.Shell(Script("b"), new JsonObject { ["DependsOn"] = new JsonArray("a") }),
            ["a"] = Worker.Shell(Script("a"), new JsonObject { ["StartSeconds"] = "1" }),
        }).StartAsync();

        await opsd.WaitForStateAsync("b", "Running", Wait);
        var a = (await opsd.HistoryAsync("a")).Single(t => t.To == "Running");
        var b = (await opsd.HistoryAsync("b")).First(t => t.To == "Starting");
        Assert.True(b.At >= a.At, $"b started at {b.At:O}, before a was Running at {a.At:O}");

        Assert.Equal(0, await opsd.StopAsync(Wait));

        var lines = File.ReadAllLines(order);
        Assert.Equal(["a-up", "b-up", "b-term", "b-gone", "a-term", "a-gone"], lines);
        Assert.Empty(opsd.LiveChildren());
        File.Delete(order);
    }

    [Fact]
    public async Task Sigterm_ToOpsd_StopsEveryProgramAndExitsZero()
    {
        await using var opsd = await new Opsd(new JsonObject
        {
            ["one"] = Worker.Program(["--forever"], new JsonObject { ["Instances"] = 2 }),
            ["two"] = Worker.Program(["--ignore-term", "--forever"], new JsonObject { ["StopTimeout"] = "1s" }),
        }).StartAsync();
        await opsd.WaitForStateAsync("one", "Running", Wait);
        await opsd.WaitForStateAsync("two", "Running", Wait);
        Assert.Equal(3, opsd.LiveChildren().Count);

        Assert.Equal(0, await opsd.StopAsync(Wait));

        Assert.Empty(opsd.LiveChildren());
    }

    [Fact]
    public async Task Shutdown_Sigterm_LogsTheStartOfTheStopPassOnce()
    {
        await using var opsd = await new Opsd(new JsonObject
        {
            ["web"] = Worker.Program(["--forever"]),
        }).StartAsync();
        await opsd.WaitForStateAsync("web", "Running", Wait);

        Assert.Equal(0, await opsd.StopAsync(Wait));

        // The hosted service and the supervisor each logged it before; one pass, one line.
        var lines = opsd.Output.Split('\n').Where(l => l.Contains("Stopping every program in reverse dependency order", StringComparison.Ordinal)).ToList();
        Assert.True(lines.Count == 1, $"expected one line, found {lines.Count}:\n{opsd.Output}");
        Assert.Single(opsd.Output.Split('\n'), l => l.Contains("Every program is stopped", StringComparison.Ordinal));
    }
}
