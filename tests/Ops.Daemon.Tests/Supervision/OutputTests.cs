using System.Diagnostics;
using System.Text.Json.Nodes;
using Ops.Daemon.Tests.Support;

namespace Ops.Daemon.Tests.Supervision;

/// <summary>Child output: files rotated by size, and a flooding child slows only itself.</summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
public sealed class OutputTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task FloodingProgram_DoesNotDelayAnotherProgramsRestart_AndItsFilesRotate()
    {
        const int MaxFileBytes = 256 * 1024;
        await using var opsd = await new Opsd(new JsonObject
        {
            ["flood"] = Worker.Program(["--flood", "0", "--line-bytes", "200"], new JsonObject
            {
                ["Log"] = new JsonObject { ["MaxFileBytes"] = MaxFileBytes, ["MaxFiles"] = 3 },
            }),
            ["svc"] = Worker.Program(["--forever"], new JsonObject
            {
                ["MaxRestarts"] = 100,
                ["Backoff"] = new JsonObject { ["Initial"] = "0s", ["Max"] = "0s", ["Multiplier"] = 1, ["Jitter"] = 0 },
            }),
        }).StartAsync();
        await opsd.WaitForStateAsync("flood", "Running", Wait);
        await opsd.WaitForStateAsync("svc", "Running", Wait);

        // While the flood runs, kill svc a few times: each time a new svc process must be spawned at once.
        var latencies = new List<TimeSpan>();
        for (var i = 0; i < 5; i++)
        {
            var before = (await opsd.ProgramsAsync("svc")).Single();
            var clock = Stopwatch.StartNew();
            Native.Kill(before.Pid!.Value, Native.SIGKILL);
            await opsd.WaitForAsync("svc", s => s.Pid is not null && s.Pid != before.Pid, Wait, "respawned");
            latencies.Add(clock.Elapsed);
            await opsd.WaitForStateAsync("svc", "Running", Wait);
        }

        Assert.All(latencies, l => Assert.True(l < TimeSpan.FromSeconds(1), $"respawn took {l} under a flood: {string.Join(", ", latencies)}"));

        // The flood never ends on its own: stop it, or its files keep rotating under the checks below.
        using (var stop = await opsd.Http.PostAsync("/api/v1/programs/flood/stop", null))
        {
            Assert.True(stop.IsSuccessStatusCode, $"stopping flood answered {(int)stop.StatusCode}");
        }

        await opsd.WaitForStateAsync("flood", "Stopped", Wait);
        var logDirectory = Path.Combine(opsd.Directory, "log");
        var files = Directory.GetFiles(logDirectory, "flood-0.out.log*", SearchOption.AllDirectories);
        Assert.Equal(3, files.Length);
        Assert.All(files, f => Assert.True(new FileInfo(f).Length <= MaxFileBytes + 16 * 1024, $"{f} is {new FileInfo(f).Length} bytes"));

        var api = await opsd.Http.GetAsync("/healthz");
        Assert.True(api.IsSuccessStatusCode);
    }
}
