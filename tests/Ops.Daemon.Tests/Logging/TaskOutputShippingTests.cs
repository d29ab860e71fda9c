using System.Text.Json.Nodes;
using Ops.Daemon.Tests.Logging.Support;
using Ops.Daemon.Tests.Support;

namespace Ops.Daemon.Tests.Logging;

/// <summary>What task runs print reaches Seq with Task, JobId and Attempt besides Program, Instance, Pid and Stream.</summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
public sealed class TaskOutputShippingTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task TaskRun_PrintsLines_ShippedWithTaskJobIdAndAttempt()
    {
        await using var seq = await new ClefEndpoint(SeqConfig.NewApiKey()).StartAsync();
        var ops = SeqConfig.For(seq);
        ops["Tasks"] = new JsonObject
        {
            ["report"] = TaskSetup.ShellTask("echo \"item $OPS_ITEM\"; echo 'warned' >&2; [ \"$OPS_ATTEMPT\" = 2 ] || exit 1", new JsonObject { ["Retries"] = 1, ["RetryDelays"] = new JsonArray("0s") }),
        };
        await using var opsd = await new Opsd([], ops).StartAsync();

        var id = (await opsd.SubmitOkAsync("report", """{ "items": [42] }""")).Single();
        await opsd.WaitJobStateAsync(id, "Succeeded", Wait);

        Assert.True(
            await ClefEndpoint.EventuallyAsync(() => seq.Events.Count(e => e.String("JobId") == id && e.String("Stream") == "stdout") >= 2, Wait),
            $"task lines did not arrive: {string.Join('\n', seq.Events.Where(e => e.Has("Stream")).Select(e => e.ToString()))}");
        var lines = seq.Events.Where(e => e.String("JobId") == id && e.Has("Stream")).ToList();
        Assert.All(lines, e => Assert.Equal("report", e.String("Task")));
        Assert.All(lines, e => Assert.Equal("task-report", e.String("Program")));
        Assert.Equal([1L, 2L], lines.Where(e => e.String("Stream") == "stdout").Select(e => e.Number("Attempt") ?? 0).Order());
        Assert.Contains(lines, e => e.String("Stream") == "stderr" && e.Level == "Warning" && e.Render().Contains("warned", StringComparison.Ordinal));
        Assert.All(lines.Where(e => e.String("Stream") == "stdout"), e => Assert.Equal("item 42", e.Render()));
    }
}
