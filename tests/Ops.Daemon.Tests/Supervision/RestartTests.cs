using System.Text.Json.Nodes;
using Ops.Daemon.Tests.Support;

namespace Ops.Daemon.Tests.Supervision;

/// <summary>Restart rules through a real opsd and real child processes.</summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
public sealed class RestartTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task FailingStart_ExitCode3WithMaxRestarts3_StartedFourTimesThenFatalWithBackoffDelays()
    {
        var pidFile = Path.Combine(Path.GetTempPath(), $"ops-pids-{Guid.NewGuid():N}");
        await using var opsd = await new Opsd(new JsonObject
        {
            ["crash"] = Worker.Program(["--pid-file", pidFile, "--exit", "3"], new JsonObject
            {
                ["MaxRestarts"] = 3,
                ["StartSeconds"] = "2",
                ["Backoff"] = new JsonObject { ["Initial"] = "200ms", ["Max"] = "10s", ["Multiplier"] = 2, ["Jitter"] = 0 },
            }),
        }).StartAsync();

        var fatal = (await opsd.WaitForStateAsync("crash", "Fatal", Wait)).Single();
        await Observe.NothingWithinAsync(TimeSpan.FromSeconds(1), () => Worker.ReadPids(pidFile).Count > 4, "a fifth start of a Fatal program (it would come within the last delay's double)");

        Assert.Equal(4, Worker.ReadPids(pidFile).Count);
        Assert.Equal(3, fatal.LastExitCode);
        var history = (await opsd.HistoryAsync("crash")).AsEnumerable().Reverse().ToList();
        var backoffs = history.Where(t => t.To == "Backoff").ToList();
        Assert.Equal([200d, 400d, 800d], backoffs.Select(b => b.DelayMs ?? -1));
        Assert.All(backoffs, b => Assert.Equal("exit 3", b.Reason));
        Assert.Equal(4, history.Count(t => t.To == "Starting"));
        Assert.Contains("exit 3", history.Last().Reason, StringComparison.Ordinal);

        // Each new start waited at least its backoff delay after the failure that caused it.
        foreach (var backoff in backoffs)
        {
            var next = history.First(t => t.To == "Starting" && t.At > backoff.At);
            Assert.True((next.At - backoff.At).TotalMilliseconds >= backoff.DelayMs!.Value - 5, $"started {next.At - backoff.At} after a {backoff.DelayMs} ms backoff");
        }

        File.Delete(pidFile);
        Assert.Empty(opsd.LiveChildren());
    }

    [Fact]
    public async Task FatalRetryAfter_FatalProgram_StartedAgainAfterThatTime()
    {
        var pidFile = Path.Combine(Path.GetTempPath(), $"ops-pids-{Guid.NewGuid():N}");
        await using var opsd = await new Opsd(new JsonObject
        {
            ["crash"] = Worker.Program(["--pid-file", pidFile, "--exit", "3"], new JsonObject
            {
                ["MaxRestarts"] = 0,
                ["FatalRetryAfter"] = "2s",
            }),
        }).StartAsync();

        await opsd.WaitForStateAsync("crash", "Fatal", Wait);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (Worker.ReadPids(pidFile).Count < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(2, Worker.ReadPids(pidFile).Count);
        var history = (await opsd.HistoryAsync("crash")).AsEnumerable().Reverse().ToList();
        var firstFatal = history.First(t => t.To == "Fatal");
        var retry = history.First(t => t.From == "Fatal" && t.To == "Starting");
        Assert.True(retry.At - firstFatal.At >= TimeSpan.FromSeconds(2) - TimeSpan.FromMilliseconds(5), $"retried after {retry.At - firstFatal.At}");
        File.Delete(pidFile);
    }

    [Fact]
    public async Task OnFailure_CleanExit_ExitedAndNotRestarted()
    {
        var pidFile = Path.Combine(Path.GetTempPath(), $"ops-pids-{Guid.NewGuid():N}");
        await using var opsd = await new Opsd(new JsonObject
        {
            ["job"] = Worker.Program(["--pid-file", pidFile, "--sleep", "1", "--exit", "0"], new JsonObject { ["Restart"] = "OnFailure" }),
        }).StartAsync();

        var exited = (await opsd.WaitForStateAsync("job", "Exited", Wait)).Single();
        await Observe.NothingWithinAsync(TimeSpan.FromSeconds(1), () => Worker.ReadPids(pidFile).Count > 1, "OnFailure restarted a clean exit");

        Assert.Equal(0, exited.LastExitCode);
        Assert.Single(Worker.ReadPids(pidFile));
        Assert.Equal("Exited", (await opsd.ProgramsAsync("job")).Single().State);
        Assert.Empty(opsd.LiveChildren());
        File.Delete(pidFile);
    }

    [Fact]
    public async Task Always_CleanExit_Restarted()
    {
        var pidFile = Path.Combine(Path.GetTempPath(), $"ops-pids-{Guid.NewGuid():N}");
        await using var opsd = await new Opsd(new JsonObject
        {
            ["job"] = Worker.Program(["--pid-file", pidFile, "--sleep", "1", "--exit", "0"], new JsonObject { ["Restart"] = "Always" }),
        }).StartAsync();

        await opsd.WaitForAsync("job", i => i.Restarts >= 1 && i.State == "Running", Wait, "restarted");

        Assert.True(Worker.ReadPids(pidFile).Count >= 2);
        var history = await opsd.HistoryAsync("job");
        Assert.Contains(history, t => t.From == "Running" && t.To == "Backoff" && t.Reason == "exit 0");
        File.Delete(pidFile);
    }

    [Fact]
    public async Task RunningProgram_KilledWithSigkill_RestartsAfterBackoffAndCountsTheRestart()
    {
        await using var opsd = await new Opsd(new JsonObject
        {
            ["svc"] = Worker.Program(["--forever"]),
        }).StartAsync();

        var before = (await opsd.WaitForStateAsync("svc", "Running", Wait)).Single();
        Assert.Equal(0, Native.Kill(before.Pid!.Value, Native.SIGKILL));

        var after = (await opsd.WaitForAsync("svc", i => i.State == "Running" && i.Pid != before.Pid, Wait, "running again")).Single();

        Assert.Equal(1, after.Restarts);
        Assert.False(ProcessTable.IsAlive(before.Pid.Value));
        var history = await opsd.HistoryAsync("svc");
        var backoff = history.First(t => t.To == "Backoff");
        Assert.Equal("signal 9", backoff.Reason);
        Assert.Equal(100d, backoff.DelayMs);
        Assert.Equal(9, backoff.Signal);
    }
}
