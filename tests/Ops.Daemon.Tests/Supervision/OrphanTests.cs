using System.Text.Json.Nodes;
using Ops.Daemon.Tests.Support;

namespace Ops.Daemon.Tests.Supervision;

/// <summary>No orphans: a daemon killed with SIGKILL leaves groups that the next daemon ends before starting.</summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
public sealed class OrphanTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task OpsdKilledWithSigkill_StartedAgain_ExactlyThreeInstancesRun()
    {
        var programs = new JsonObject
        {
            ["svc"] = Worker.Program(["--forever"], new JsonObject { ["Instances"] = 3 }),
        };
        await using var first = await new Opsd(programs).StartAsync();
        var before = await first.WaitForStateAsync("svc", "Running", Wait);
        var oldPids = before.Select(i => i.Pid!.Value).ToList();

        await first.KillDaemonAsync();
        Assert.All(oldPids, p => Assert.True(ProcessTable.IsAlive(p), "the children outlive a SIGKILLed daemon"));

        // Same config, same state directory: the new daemon reads the orphan records.
        await using var second = await Opsd.Restart(first).StartAsync();
        var after = await second.WaitForStateAsync("svc", "Running", Wait);

        Assert.All(oldPids, p => Assert.False(ProcessTable.IsAlive(p), $"orphan {p} still runs"));
        Assert.Equal(3, after.Count);
        Assert.Equal(3, second.LiveChildren().Count);
        Assert.Empty(after.Select(i => i.Pid!.Value).Intersect(oldPids));
    }

    [Fact]
    public async Task OpsdKilled_RecordInTheFormOfAnOlderOpsd_NextOpsdEndsTheOrphan()
    {
        // An upgrade: the killed daemon was an older opsd, which kept groups/<program>-<instance>.json without a kind.
        await using var first = await new Opsd(new JsonObject { ["svc"] = Worker.Program(["--forever"]) }).StartAsync();
        var oldPid = (await first.WaitForStateAsync("svc", "Running", Wait)).Single().Pid!.Value;
        await first.KillDaemonAsync();
        var groups = Path.Combine(first.Directory, "state", "groups");
        var current = Path.Combine(groups, "programs", "svc", "0.json");
        var record = JsonNode.Parse(File.ReadAllText(current))!.AsObject();
        Assert.True(record.Remove("kind"));
        var legacy = Path.Combine(groups, "svc-0.json");
        File.WriteAllText(legacy, record.ToJsonString());
        File.Delete(current);
        Assert.True(ProcessTable.IsAlive(oldPid), "the child outlives a SIGKILLed daemon");

        await using var second = await Opsd.Restart(first).StartAsync();
        var after = (await second.WaitForStateAsync("svc", "Running", Wait)).Single();

        Assert.False(ProcessTable.IsAlive(oldPid), $"orphan {oldPid} of the older opsd still runs");
        Assert.False(File.Exists(legacy));
        Assert.NotEqual(oldPid, after.Pid);
        Assert.Single(second.LiveChildren());
    }

    [Fact]
    public async Task SecondOpsd_SameStateDirectory_RefusesToStartAndTouchesNothing()
    {
        await using var first = await new Opsd(new JsonObject { ["svc"] = Worker.Program(["--forever"]) }).StartAsync();
        var running = (await first.WaitForStateAsync("svc", "Running", Wait)).Single();

        var (code, output) = await OpsdCommand.RunAsync("--config", first.ConfigPath);

        Assert.Equal(1, code);
        Assert.Contains("another opsd is running with the state directory", output, StringComparison.Ordinal);
        Assert.True(ProcessTable.IsAlive(running.Pid!.Value), "the second opsd ended the first one's program");
        Assert.Equal(running.Pid, (await first.ProgramsAsync("svc")).Single().Pid);
    }
}
