using System.Text.Json.Nodes;
using Ops.Daemon.Tests.Support;

namespace Ops.Daemon.Tests.Supervision;

/// <summary>
/// Children that leave the instance's process group (setsid, setsid -f, a double-forking daemon, setpgid(0, 0)) still
/// carry the launch's token: a stop, opsd's shutdown and the next opsd's orphan cleanup end them too.
/// </summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
public sealed class EscapeTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    /// <summary>The ways out of a process group; each program writes its leader's and its escaped process's pid.</summary>
    public static TheoryData<string> Escapes => ["setsid", "setsid -f", "daemon", "setpgid"];

    /// <summary>A program of kind <paramref name="escape"/>: a leader that stays, one process outside its group.</summary>
    private static JsonObject Escaping(string escape, string pidFile, JsonObject? settings = null) => escape switch
    {
        // sh's background child is no group leader, so setsid makes it a session of its own in place: $! is its pid.
        "setsid" => Worker.Shell($"setsid sleep 300 & echo $! >> {pidFile}; echo $$ >> {pidFile}; exec sleep 300", settings),
        "setsid -f" => Worker.Shell($"setsid -f sh -c \"echo \\$\\$ >> {pidFile}; exec sleep 300\"; echo $$ >> {pidFile}; exec sleep 300", settings),
        "daemon" => Worker.Program(["--escape", "daemon", "--pid-file", pidFile, "--forever"], settings),
        "setpgid" => Worker.Program(["--escape", "group", "--pid-file", pidFile, "--forever"], settings),
        _ => throw new ArgumentOutOfRangeException(nameof(escape), escape, null),
    };

    [Theory]
    [MemberData(nameof(Escapes))]
    public async Task Stop_ChildLeftTheGroup_ItIsGoneWhenStoppedIsReported(string escape)
    {
        var pidFile = Path.Combine(Path.GetTempPath(), $"ops-pids-{Guid.NewGuid():N}");
        await using var opsd = await new Opsd(new JsonObject { ["esc"] = Escaping(escape, pidFile) }).StartAsync();
        await opsd.WaitForStateAsync("esc", "Running", Wait);
        var pids = await PidsAsync(pidFile, 2);
        Assert.All(pids, p => Assert.True(ProcessTable.IsAlive(p), $"pid {p} is not running"));

        Assert.Equal(System.Net.HttpStatusCode.Accepted, (await opsd.CommandAsync("stop", "esc")).StatusCode);
        await opsd.WaitForStateAsync("esc", "Stopped", Wait);

        // No grace after Stopped: "confirmed empty" must already have covered the escaped process.
        Assert.All(pids, p => Assert.False(ProcessTable.IsAlive(p), $"pid {p} outlived the stop"));
        Assert.Empty(opsd.LiveChildren());
        File.Delete(pidFile);
    }

    [Theory]
    [MemberData(nameof(Escapes))]
    public async Task Sigterm_ToOpsd_EndsTheChildThatLeftTheGroup(string escape)
    {
        var pidFile = Path.Combine(Path.GetTempPath(), $"ops-pids-{Guid.NewGuid():N}");
        await using var opsd = await new Opsd(new JsonObject { ["esc"] = Escaping(escape, pidFile) }).StartAsync();
        await opsd.WaitForStateAsync("esc", "Running", Wait);
        var pids = await PidsAsync(pidFile, 2);

        Assert.Equal(0, await opsd.StopAsync(Wait));

        Assert.All(pids, p => Assert.False(ProcessTable.IsAlive(p), $"pid {p} outlived opsd's shutdown"));
        Assert.Empty(opsd.LiveChildren());
        File.Delete(pidFile);
    }

    [Theory]
    [InlineData("setsid -f", true)]
    [InlineData("setsid -f", false)]
    [InlineData("daemon", false)]
    public async Task OpsdKilledWithSigkill_StartedAgain_OrphanCleanupEndsTheEscapedChildAndOneCopyRuns(string escape, bool groupAlive)
    {
        var pidFile = Path.Combine(Path.GetTempPath(), $"ops-pids-{Guid.NewGuid():N}");
        await using var first = await new Opsd(new JsonObject { ["esc"] = Escaping(escape, pidFile) }).StartAsync();
        var leader = (await first.WaitForStateAsync("esc", "Running", Wait)).Single().Pid!.Value;
        var oldPids = await PidsAsync(pidFile, 2);

        await first.KillDaemonAsync();
        if (!groupAlive)
        {
            // Only the escaped process is left: the record's group is empty, its token is all that finds it.
            Assert.Equal(0, Native.Kill(-leader, Native.SIGKILL));
            Assert.True(await EventuallyAsync(() => !ProcessTable.IsAlive(leader)), $"leader {leader} survived SIGKILL");
        }

        Assert.All(oldPids.Where(p => p != leader), p => Assert.True(ProcessTable.IsAlive(p), "the escaped child outlives a SIGKILLed opsd"));

        await using var second = await Opsd.Restart(first).StartAsync();
        await second.WaitForStateAsync("esc", "Running", Wait);
        var newPids = (await PidsAsync(pidFile, 4)).Except(oldPids).ToList();

        Assert.All(oldPids, p => Assert.False(ProcessTable.IsAlive(p), $"orphan {p} still runs"));
        Assert.Equal(2, newPids.Count);
        Assert.Equal(newPids.Order(), second.LiveChildren().Order());
        File.Delete(pidFile);
    }

    [Fact]
    public async Task Restarts_ProgramLeavesADaemonBehindEachRun_NeverMoreThanOneCopy()
    {
        var pidFile = Path.Combine(Path.GetTempPath(), $"ops-pids-{Guid.NewGuid():N}");
        await using var opsd = await new Opsd(new JsonObject
        {
            ["esc"] = Worker.Shell(
                $"setsid -f sh -c \"echo \\$\\$ >> {pidFile}; exec sleep 300\"; exec sleep 0.4",
                new JsonObject { ["Restart"] = "Always", ["StartSeconds"] = "0.2", ["MaxRestarts"] = 100 }),
        }).StartAsync();

        // Each run leaves one daemonised sleep; opsd ends it before the next run starts.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        int most = 0;
        while (Worker.ReadPids(pidFile).Count < 5 && DateTime.UtcNow < deadline)
        {
            most = Math.Max(most, Worker.ReadPids(pidFile).Count(ProcessTable.IsAlive));
            await Task.Delay(20);
        }

        Assert.True(Worker.ReadPids(pidFile).Count >= 5, $"only {Worker.ReadPids(pidFile).Count} runs in 15 s\n{opsd.Output}");
        most = Math.Max(most, Worker.ReadPids(pidFile).Count(ProcessTable.IsAlive));
        Assert.True(most <= 1, $"{most} daemonised copies ran at once: {string.Join(", ", Worker.ReadPids(pidFile).Where(ProcessTable.IsAlive))}");

        Assert.Equal(0, await opsd.StopAsync(Wait));
        Assert.Empty(opsd.LiveChildren());
        File.Delete(pidFile);
    }

    private static async Task<List<int>> PidsAsync(string pidFile, int count)
    {
        Assert.True(await EventuallyAsync(() => Worker.ReadPids(pidFile).Count >= count), $"fewer than {count} pids in {pidFile}");
        return Worker.ReadPids(pidFile);
    }

    private static async Task<bool> EventuallyAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!condition())
        {
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }

            await Task.Delay(20);
        }

        return true;
    }
}
