using System.Net;
using System.Text.Json.Nodes;
using Ops.Daemon.Tests.Support;

namespace Ops.Daemon.Tests.Tasks;

/// <summary>Capacity as a new user meets it: jobs a host took ahead (Prefetch) still wait, and still count.</summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
public sealed class CapacityTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    public static TheoryData<string> Storages => ["InMemory", "PostgreSql"];

    [Theory]
    [MemberData(nameof(Storages))]
    public async Task Capacity_OneRunningOneTakenAheadOneQueued_RequestPastCapacityRefusedWhole(string storage)
    {
        var started = Path.Combine(Path.GetTempPath(), $"ops-started-{Guid.NewGuid():N}");
        var release = started + ".release";
        await using var opsd = await new Opsd([], TaskSetup.Ops(
            storage,
            new JsonObject { ["hold"] = TaskSetup.ShellTask($"echo $OPS_JOB_ID >> {started}; while [ ! -e {release} ]; do sleep 0.05; done", new JsonObject { ["Queue"] = "serial", ["Retries"] = 0 }) },
            new JsonObject { ["serial"] = new JsonObject { ["Workers"] = 1, ["Capacity"] = 5 } })).StartAsync();

        // Workers 1 and Prefetch left at its default (= Workers): one runs, one is taken ahead, one stays queued.
        var ids = await opsd.SubmitOkAsync("hold", """{ "items": [1, 2, 3] }""");
        await Observe.UntilAsync(() => File.Exists(started), Wait, "the first run started");
        await Observe.UntilAsync(async () => await opsd.QueueLengthAsync("serial") == 1, Wait, "the second job taken ahead, the third left in the queue");
        var running = File.ReadAllLines(started).Single();
        var takenAhead = ids.Take(2).Single(id => id != running);

        // Waiting: the queued one and the one taken ahead; 2 + 4 passes 5.
        var (refused, body) = await opsd.SubmitAsync("hold", """{ "items": [4, 5, 6, 7] }""");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused);
        Assert.Equal((5, 2), (body.GetProperty("capacity").GetInt32(), body.GetProperty("length").GetInt32()));

        // A job taken ahead has not started: it reads as Enqueued, and only the run reads as Processing.
        Assert.Equal("Enqueued", (await opsd.JobAsync(takenAhead)).State);
        Assert.Equal([running], (await opsd.JobsAsync("task=hold&state=Processing")).Select(j => j.Id));
        Assert.Equal(ids.Where(id => id != running).Order(), (await opsd.JobsAsync("task=hold&state=Enqueued")).Select(j => j.Id).Order());

        var fits = await opsd.SubmitOkAsync("hold", """{ "items": [4, 5, 6] }""");
        Assert.Equal(3, fits.Count);
        var (full, fullBody) = await opsd.SubmitAsync("hold", """{ "items": [7] }""");
        Assert.Equal(HttpStatusCode.TooManyRequests, full);
        Assert.Equal(5, fullBody.GetProperty("length").GetInt32());

        File.WriteAllText(release, string.Empty);
        foreach (var id in ids.Concat(fits))
        {
            await opsd.WaitJobStateAsync(id, "Succeeded", Wait);
        }

        File.Delete(started);
        File.Delete(release);
    }

    [Fact]
    public async Task Capacity_TwoHostsEachTakeAJobAhead_BothCountForEveryHostAndStillAfterOneDies()
    {
        var started = Path.Combine(Path.GetTempPath(), $"ops-started-{Guid.NewGuid():N}");
        var release = started + ".release";
        var ops = TaskSetup.Ops(
            "PostgreSql",
            new JsonObject { ["hold"] = TaskSetup.ShellTask($"echo $OPS_JOB_ID >> {started}; while [ ! -e {release} ]; do sleep 0.05; done", new JsonObject { ["Queue"] = "serial", ["Retries"] = 2 }) },
            new JsonObject { ["serial"] = new JsonObject { ["Workers"] = 1, ["Capacity"] = 6 } },
            invisibilityTimeout: "3s");
        await using var alpha = await new Opsd([], ops, hostName: "alpha").StartAsync();
        await using var beta = await new Opsd([], ops, hostName: "beta").StartAsync();

        // Each host runs one and takes one ahead: nothing is left in the queue itself, and two jobs wait.
        var ids = await alpha.SubmitOkAsync("hold", """{ "items": [1, 2, 3, 4] }""");
        await Observe.UntilAsync(() => File.Exists(started) && File.ReadAllLines(started).Length == 2, Wait, "one run started on each host");
        await Observe.UntilAsync(async () => await alpha.QueueLengthAsync("serial") == 0, Wait, "the other two jobs taken ahead");

        foreach (var host in new[] { alpha, beta })
        {
            var (refused, body) = await host.SubmitAsync("hold", """{ "items": [5, 6, 7, 8, 9] }""");
            Assert.Equal(HttpStatusCode.TooManyRequests, refused);
            Assert.Equal(2, body.GetProperty("length").GetInt32());
        }

        // beta dies with its job taken ahead: that job still waits (handed out again after the invisibility timeout).
        await beta.KillDaemonAsync();
        ProcessTable.KillAll(beta.Marker);
        var (stillFull, stillBody) = await alpha.SubmitAsync("hold", """{ "items": [5, 6, 7, 8, 9] }""");
        Assert.Equal(HttpStatusCode.TooManyRequests, stillFull);
        Assert.True(stillBody.GetProperty("length").GetInt32() >= 2, $"the job beta took ahead no longer counts: {stillBody}");

        File.WriteAllText(release, string.Empty);
        foreach (var id in ids)
        {
            await alpha.WaitJobStateAsync(id, "Succeeded", Wait);
        }

        // Nothing of the dead host's wait is left behind: the queue takes its whole Capacity again.
        Assert.Equal(6, (await alpha.SubmitOkAsync("hold", """{ "items": [1, 2, 3, 4, 5, 6] }""")).Count);

        File.Delete(started);
        File.Delete(release);
    }
}
