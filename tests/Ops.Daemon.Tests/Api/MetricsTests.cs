using System.Globalization;
using System.Text.Json.Nodes;
using Ops.Daemon.Tests.Support;

namespace Ops.Daemon.Tests.Api;

/// <summary>/metrics in Prometheus text format, checked after a known number of restarts and runs.</summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
public sealed class MetricsTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Metrics_AfterTwoRestartsAndKnownRuns_CountExactly()
    {
        await using var opsd = await new Opsd(
            new JsonObject { ["svc"] = Worker.Program(["--forever"]) },
            new JsonObject
            {
                ["Tasks"] = new JsonObject
                {
                    ["ok"] = TaskSetup.ShellTask("exit 0"),
                    ["bad"] = TaskSetup.ShellTask("exit 2", new JsonObject { ["Retries"] = 1, ["RetryDelays"] = new JsonArray("0s") }),
                    ["block"] = TaskSetup.ShellTask("sleep 30", new JsonObject { ["Queue"] = "one", ["Retries"] = 0 }),
                },
                ["Queues"] = new JsonObject { ["one"] = new JsonObject { ["Workers"] = 1, ["Prefetch"] = 0, ["Capacity"] = 10 } },
            }).StartAsync();

        for (var kill = 1; kill <= 2; kill++)
        {
            var before = (await opsd.WaitForStateAsync("svc", "Running", Wait)).Single();
            Native.Kill(before.Pid!.Value, Native.SIGKILL);
            var expected = kill;
            await opsd.WaitForAsync("svc", i => i.Restarts == expected && i.State == "Running", Wait, $"restarted {kill} times");
        }

        foreach (var id in await opsd.SubmitOkAsync("ok", """{ "items": [1, 2, 3] }"""))
        {
            await opsd.WaitJobStateAsync(id, "Succeeded", Wait);
        }

        await opsd.WaitJobStateAsync((await opsd.SubmitOkAsync("bad")).Single(), "Failed", Wait);
        var blocking = await opsd.SubmitOkAsync("block", """{ "items": [1, 2, 3] }""");
        await opsd.WaitJobStateAsync(blocking[0], "Processing", Wait);

        var metrics = Parse(await opsd.Http.GetStringAsync("/metrics"));

        Assert.Equal(2, metrics["ops_program_restarts_total{program=\"svc\",instance=\"0\"}"]);
        Assert.Equal(1, metrics["ops_program_state{program=\"svc\",instance=\"0\",state=\"Running\"}"]);
        Assert.Equal(0, metrics["ops_program_state{program=\"svc\",instance=\"0\",state=\"Fatal\"}"]);
        Assert.Equal(1, metrics["ops_programs{state=\"Running\"}"]);
        Assert.Equal(3, metrics["ops_task_runs_total{task=\"ok\",outcome=\"succeeded\"}"]);
        Assert.Equal(1, metrics["ops_task_runs_total{task=\"bad\",outcome=\"retried\"}"]);
        Assert.Equal(1, metrics["ops_task_runs_total{task=\"bad\",outcome=\"failed\"}"]);
        Assert.Equal(3, metrics["ops_task_run_duration_seconds_count{task=\"ok\"}"]);
        Assert.Equal(2, metrics["ops_task_run_duration_seconds_count{task=\"bad\"}"]);
        Assert.Equal(3, metrics["ops_task_run_duration_seconds_bucket{task=\"ok\",le=\"+Inf\"}"]);
        Assert.Equal(2, metrics["ops_queue_length{queue=\"one\"}"]);
        Assert.Equal(10, metrics["ops_queue_capacity{queue=\"one\"}"]);
        Assert.Equal(1, metrics["ops_storage_up{host=\"test-host\"}"]);
    }

    /// <summary>Sample lines as "name{labels}" -> value; every non-comment line must be well-formed.</summary>
    private static Dictionary<string, double> Parse(string text)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith('#'))
            {
                Assert.Matches("^# (HELP|TYPE) [a-z_]+ .+$", line);
                continue;
            }

            var space = line.LastIndexOf(' ');
            Assert.True(space > 0, $"malformed sample: {line}");
            samples.Add(line[..space], double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture));
        }

        return samples;
    }
}
