using System.Net;
using System.Text.Json.Nodes;
using Ops.Daemon.Tests.Support;

namespace Ops.Daemon.Tests.Tasks;

/// <summary>Two hosts on one PostgreSQL: each shows the other's programs, commands reach the owner, a dead host shows Unknown.</summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
public sealed class MultiHostTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task TwoHosts_SharedStorage_SeeEachOtherCommandThroughHostQueueAndDeadHostShowsUnknown()
    {
        var ops = TaskSetup.Ops("PostgreSql", []);
        ops["Storage"]!["HostTimeout"] = "4s";
        await using var alpha = await new Opsd(new JsonObject { ["api"] = Worker.Program(["--forever"]) }, ops, hostName: "alpha").StartAsync();
        await using var beta = await new Opsd(new JsonObject { ["db"] = Worker.Program(["--forever"]) }, ops, hostName: "beta").StartAsync();
        var db = (await beta.WaitForStateAsync("db", "Running", Wait)).Single();

        // alpha lists beta's program, as beta published it.
        var seen = await alpha.WaitForAsync("db", i => i.Host == "beta" && i.State == "Running" && i.Pid == db.Pid, Wait, "published by beta");
        Assert.Single(seen);
        Assert.Contains(await alpha.ProgramsAsync(), i => i.Name == "api" && i.Host == "alpha");

        // alpha's console lists beta's instance with buttons that go through beta's host queue.
        var page = await alpha.Http.GetStringAsync("/hangfire/programs");
        Assert.Contains("data-instance=\"beta/db:0\"", page, StringComparison.Ordinal);
        Assert.Contains("/programs/actions/restart/db:0?host=beta", page, StringComparison.Ordinal);

        // A restart asked of alpha runs on beta.
        var response = await alpha.Http.PostAsync("/api/v1/programs/db/restart?host=beta", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await beta.WaitForAsync("db", i => i.State == "Running" && i.Pid != db.Pid, Wait, "restarted through its host queue");
        Assert.Equal(HttpStatusCode.NotFound, (await alpha.Http.PostAsync("/api/v1/programs/db/restart?host=gamma", null)).StatusCode);

        // beta dies: alpha shows its programs as Unknown after HostTimeout.
        await beta.KillDaemonAsync();
        var unknown = (await alpha.WaitForAsync("db", i => i.Host == "beta" && i.State == "Unknown", Wait, "Unknown")).Single();
        Assert.Null(unknown.Pid);
        ProcessTable.KillAll(beta.Marker);
    }
}
