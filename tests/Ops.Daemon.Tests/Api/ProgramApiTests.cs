using System.Net;
using System.Text.Json.Nodes;
using Ops.Daemon.Tests.Support;

namespace Ops.Daemon.Tests.Api;

/// <summary>The program endpoints: shapes, status codes and instance targeting.</summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
public sealed class ProgramApiTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ProgramsApi_TwoInstances_ListsTargetsAndRefusesWhatItCannotDo()
    {
        await using var opsd = await new Opsd(new JsonObject
        {
            ["web"] = Worker.Program(["--forever"], new JsonObject { ["Instances"] = 2 }),
        }).StartAsync();
        var running = await opsd.WaitForStateAsync("web", "Running", Wait);

        Assert.Equal([0, 1], running.Select(i => i.Instance));
        Assert.All(running, i => Assert.Equal("test-host", i.Host));
        Assert.All(running, i => Assert.Equal("web", i.Name));

        var unknown = await opsd.Http.GetAsync("/api/v1/programs/nope");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, (await opsd.CommandAsync("stop", "web:7")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await opsd.CommandAsync("restart", "nope")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await opsd.CommandAsync("start", "web:0")).StatusCode);

        // web:1 alone: restart changes its pid and leaves web:0 alone.
        var restart = await opsd.CommandAsync("restart", "web:1");
        Assert.Equal(HttpStatusCode.Accepted, restart.StatusCode);
        var after = await opsd.WaitForAsync("web", i => i.State == "Running" && (i.Instance == 0 ? i.Pid == running[0].Pid : i.Pid != running[1].Pid), Wait, "web:1 restarted");
        Assert.Equal(running[0].Pid, after[0].Pid);

        // Stop all, then start: every instance runs again.
        Assert.Equal(HttpStatusCode.Accepted, (await opsd.CommandAsync("stop", "all")).StatusCode);
        await opsd.WaitForStateAsync("web", "Stopped", Wait);
        Assert.Empty(opsd.LiveChildren());
        Assert.Equal(HttpStatusCode.Accepted, (await opsd.CommandAsync("start", "web")).StatusCode);
        await opsd.WaitForStateAsync("web", "Running", Wait);

        var history = await opsd.HistoryAsync("web:1");
        Assert.All(history, t => Assert.Equal(1, t.Instance));
        Assert.Contains(history, t => t.Reason == "operator");
        Assert.True(history.Zip(history.Skip(1)).All(p => p.First.At >= p.Second.At), "history is newest first");
    }
}
