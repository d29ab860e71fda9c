using System.Text.Json.Nodes;
using Ops.Daemon.Tests.Support;

namespace Ops.Daemon.Tests.Tasks;

/// <summary>
/// A task run's processes that left its process group end with the run: on timeout, when the leader exits (a run
/// that daemonises a child), and in the next opsd's orphan cleanup. The storage plays no part: InMemory only.
/// </summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
public sealed class TaskEscapeTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private static string Escape(string pidFile) =>
        $"setsid -f sh -c \"echo \\$\\$ >> {pidFile}; exec sleep 300\"; echo $$ >> {pidFile}";

    [Fact]
    public async Task Timeout_RunLeftAProcessOutsideItsGroup_FailsAndNothingIsLeft()
    {
        var pids = Path.Combine(Path.GetTempPath(), $"ops-pids-{Guid.NewGuid():N}");
        await using var opsd = await new Opsd([], TaskSetup.Ops("InMemory", new JsonObject
        {
            ["slow"] = TaskSetup.ShellTask($"{Escape(pids)}; exec sleep 300", new JsonObject { ["Timeout"] = "2s", ["Retries"] = 0 }),
        })).StartAsync();

        var id = (await opsd.SubmitOkAsync("slow")).Single();
        var job = await opsd.WaitJobStateAsync(id, "Failed", Wait);

        Assert.Contains("timeout", job.Reason, StringComparison.Ordinal);
        var started = Worker.ReadPids(pids);
        Assert.Equal(2, started.Count);
        Assert.All(started, p => Assert.False(ProcessTable.IsAlive(p), $"pid {p} of the timed-out run survived"));
        Assert.Empty(opsd.LiveChildren());
        File.Delete(pids);
    }

    [Fact]
    public async Task Succeeded_RunLeftADaemonBehind_TheDaemonEndsWithTheRun()
    {
        var pids = Path.Combine(Path.GetTempPath(), $"ops-pids-{Guid.NewGuid():N}");
        await using var opsd = await new Opsd([], TaskSetup.Ops("InMemory", new JsonObject
        {
            // The daemonised child writes its pid before the leader exits, so the test knows whom to look for.
            ["detach"] = TaskSetup.ShellTask(
                $"{Escape(pids)}; while [ $(wc -l < {pids}) -lt 2 ]; do sleep 0.02; done; exit 0",
                new JsonObject { ["Retries"] = 0 }),
        })).StartAsync();

        var id = (await opsd.SubmitOkAsync("detach")).Single();
        await opsd.WaitJobStateAsync(id, "Succeeded", Wait);

        var started = Worker.ReadPids(pids);
        Assert.Equal(2, started.Count);
        Assert.All(started, p => Assert.False(ProcessTable.IsAlive(p), $"pid {p} outlived its run"));
        Assert.Empty(opsd.LiveChildren());
        File.Delete(pids);
    }

    [Fact]
    public async Task OpsdKilledMidRun_StartedAgain_OrphanCleanupEndsTheRunsEscapedProcess()
    {
        var pids = Path.Combine(Path.GetTempPath(), $"ops-pids-{Guid.NewGuid():N}");
        var ops = TaskSetup.Ops("InMemory", new JsonObject
        {
            ["long"] = TaskSetup.ShellTask($"{Escape(pids)}; exec sleep 300", new JsonObject { ["Retries"] = 0 }),
        });
        await using var first = await new Opsd([], ops).StartAsync();
        var id = (await first.SubmitOkAsync("long")).Single();
        await first.WaitJobStateAsync(id, "Processing", Wait);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (Worker.ReadPids(pids).Count < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        var started = Worker.ReadPids(pids);
        Assert.Equal(2, started.Count);
        await first.KillDaemonAsync();
        Assert.All(started, p => Assert.True(ProcessTable.IsAlive(p), $"pid {p} did not outlive the SIGKILLed opsd"));

        // Ready means the orphan cleanup is done.
        await using var second = await Opsd.Restart(first).StartAsync();

        Assert.All(started, p => Assert.False(ProcessTable.IsAlive(p), $"pid {p} of the interrupted run survived the orphan cleanup"));
        Assert.Empty(second.LiveChildren());
        File.Delete(pids);
    }
}
