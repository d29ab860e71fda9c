using System.Text.Json;
using System.Text.Json.Nodes;
using Ops.Cli.Tests.Support;
using Ops.Daemon.Tests.Support;

namespace Ops.Cli.Tests.Programs;

/// <summary>status, start, stop, restart and why through the real opsctl against a real opsd.</summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
public sealed class ProgramCommandsTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Status_TwoRunningInstances_TableAndJsonShowTheirPids()
    {
        await using var opsd = await new Opsd(new JsonObject { ["web"] = Sleeper(instances: 2) }).StartAsync();
        var running = await opsd.WaitForStateAsync("web", "Running", Wait);

        var json = (await Opsctl.RunAsync(opsd, "status", "--json")).ExitsWith(0).Json();
        Assert.Equal(running.Select(i => i.Pid), json.EnumerateArray().Select(e => (int?)e.GetProperty("pid").GetInt32()));
        Assert.All(json.EnumerateArray(), e => Assert.Equal("Running", e.GetProperty("state").GetString()));
        Assert.Equal([0, 1], json.EnumerateArray().Select(e => e.GetProperty("instance").GetInt32()));

        var table = (await Opsctl.RunAsync(opsd, "status")).ExitsWith(0);
        Assert.DoesNotContain("\u001b[", table.Stdout, StringComparison.Ordinal); // not a terminal: no ANSI codes
        foreach (var instance in running)
        {
            var row = Row(table.Stdout, $"web:{instance.Instance}");
            Assert.Equal(["test-host", "Running", instance.Pid.ToString()!], row[1..4]);
            Assert.Matches(@"^[0-9.]+s$", row[4]); // uptime
        }

        var one = (await Opsctl.RunAsync(["--json", "--url", opsd.Url, "status", "web:1"])).ExitsWith(0).Json();
        Assert.Equal(running[1].Pid, one.EnumerateArray().Single().GetProperty("pid").GetInt32());

        var onHost = (await Opsctl.RunAsync(opsd, "status", "--host", "test-host", "--json")).ExitsWith(0).Json();
        Assert.Equal(2, onHost.GetArrayLength());
        Assert.Equal("No programs on host elsewhere.\n", (await Opsctl.RunAsync(opsd, "status", "--host", "elsewhere")).ExitsWith(0).Stdout);
        Assert.Equal("[]", (await Opsctl.RunAsync(opsd, "status", "--host", "elsewhere", "--json")).ExitsWith(0).Stdout.Trim());

        var fromEnvironment = (await Opsctl.RunAsync(["status", "--json"], new Dictionary<string, string> { ["OPS_URL"] = opsd.Url })).ExitsWith(0).Json();
        Assert.Equal(running.Select(i => i.Pid), fromEnvironment.EnumerateArray().Select(e => (int?)e.GetProperty("pid").GetInt32()));

        var unknown = (await Opsctl.RunAsync(opsd, "status", "nope")).ExitsWith(1);
        Assert.Empty(unknown.Stdout);
        Assert.Contains("refused (404): No program or instance 'nope'", unknown.Stderr, StringComparison.Ordinal);
        var unknownJson = (await Opsctl.RunAsync(opsd, "status", "nope", "--json")).ExitsWith(1).Json();
        Assert.Equal(404, unknownJson.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task StopStartRestart_Instances_ChangeTheirStateAndRefuseWhatCannotBeDone()
    {
        await using var opsd = await new Opsd(new JsonObject { ["web"] = Sleeper(instances: 2) }).StartAsync();
        var before = await opsd.WaitForStateAsync("web", "Running", Wait);

        var stop = (await Opsctl.RunAsync(opsd, "stop", "web:1")).ExitsWith(0);
        Assert.Contains("accepted: stop web:1", stop.Stdout, StringComparison.Ordinal);
        await opsd.WaitForAsync("web", i => i.State == (i.Instance == 0 ? "Running" : "Stopped"), Wait, "web:1 stopped");
        var status = (await Opsctl.RunAsync(opsd, "status", "--json")).ExitsWith(0).Json();
        var web1 = status.EnumerateArray().Single(e => e.GetProperty("instance").GetInt32() == 1);
        Assert.Equal("Stopped", web1.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, web1.GetProperty("pid").ValueKind);
        Assert.Equal(before[0].Pid, status.EnumerateArray().Single(e => e.GetProperty("instance").GetInt32() == 0).GetProperty("pid").GetInt32());

        var refused = (await Opsctl.RunAsync(opsd, "start", "web:0")).ExitsWith(1);
        Assert.Matches(@"refused \(409\): .*web:0", refused.Stderr);
        Assert.Empty(refused.Stdout);

        var start = (await Opsctl.RunAsync(opsd, "start", "web:1", "--json")).ExitsWith(0).Json();
        Assert.Equal(["web:1"], start.GetProperty("instances").EnumerateArray().Select(e => e.GetString()));
        var started = await opsd.WaitForStateAsync("web", "Running", Wait);
        Assert.NotEqual(before[1].Pid, started[1].Pid);

        (await Opsctl.RunAsync(opsd, "restart", "all")).ExitsWith(0);
        var restarted = await opsd.WaitForAsync("web", i => i.State == "Running" && i.Pid != started[i.Instance].Pid, Wait, "restarted");
        Assert.All(restarted, i => Assert.False(ProcessTable.IsAlive(started[i.Instance].Pid!.Value), $"old pid of web:{i.Instance} still alive"));

        (await Opsctl.RunAsync(opsd, "stop", "web")).ExitsWith(0);
        await opsd.WaitForStateAsync("web", "Stopped", Wait);
        Assert.Empty(opsd.LiveChildren());
        (await Opsctl.RunAsync(opsd, "stop", "web:7")).ExitsWith(1);
    }

    [Fact]
    public async Task Why_ProgramThatKeepsFailing_ShowsFatalTheExitsTheBackoffAndTheLastStderr()
    {
        await using var opsd = await new Opsd(new JsonObject
        {
            ["crashy"] = Worker.Shell("echo 'config /etc/crashy.conf is missing' >&2; exit 3", new JsonObject
            {
                ["MaxRestarts"] = 2,
                ["Backoff"] = new JsonObject { ["Initial"] = "100ms", ["Max"] = "1s", ["Multiplier"] = 2, ["Jitter"] = 0 },
            }),
        }).StartAsync();
        await opsd.WaitForStateAsync("crashy", "Fatal", Wait);

        var json = (await Opsctl.RunAsync(opsd, "why", "crashy", "--json")).ExitsWith(0).Json();
        var instance = json.GetProperty("instances").EnumerateArray().Single();
        Assert.Equal("Fatal", instance.GetProperty("state").GetString());
        Assert.Equal(3, instance.GetProperty("lastExitCode").GetInt32());
        var history = json.GetProperty("history").EnumerateArray().ToList();
        Assert.Equal("Fatal", history[0].GetProperty("to").GetString());
        var at = history.Select(t => t.GetProperty("at").GetDateTimeOffset()).ToList();
        Assert.Equal(at.OrderDescending(), at);
        var exits = history.Where(t => t.GetProperty("exitCode").ValueKind == JsonValueKind.Number).ToList();
        Assert.True(exits.Count >= 3, $"three failed starts, each with its exit: {json}");
        Assert.All(exits, t => Assert.Equal(3, t.GetProperty("exitCode").GetInt32()));
        Assert.Contains(history, t => t.GetProperty("to").GetString() == "Backoff" && t.GetProperty("delayMs").GetDouble() >= 100);
        Assert.Contains("config /etc/crashy.conf is missing", exits[0].GetProperty("stderrTail").EnumerateArray().Select(l => l.GetString()));

        var text = (await Opsctl.RunAsync(opsd, "why", "crashy")).ExitsWith(0).Stdout;
        Assert.StartsWith("crashy:0 is Fatal for ", text, StringComparison.Ordinal);
        Assert.Contains("last exit 3", text, StringComparison.Ordinal);
        var rows = text.Split('\n').Select(l => l.Trim()).Where(l => l.Contains("crashy:0 ", StringComparison.Ordinal) && l.Contains("exit 3", StringComparison.Ordinal)).ToList();
        Assert.True(rows.Count >= 3, $"a table row per failed start:\n{text}");
        Assert.Contains(rows, r => r.Contains("Backoff", StringComparison.Ordinal) && r.EndsWith("0.1s", StringComparison.Ordinal));
        Assert.Contains("Last stderr lines of crashy:0 before its exit 3", text, StringComparison.Ordinal);
        Assert.Contains("  config /etc/crashy.conf is missing", text, StringComparison.Ordinal);
    }

    /// <summary>A shell program that sleeps (exec: the pid opsd reports is the sleeper's).</summary>
    private static JsonObject Sleeper(int instances) =>
        Worker.Shell("exec sleep 600", new JsonObject { ["Instances"] = instances, ["StopTimeout"] = "2s" });

    /// <summary>The cells of the first bare-table row that starts with <paramref name="first"/>.</summary>
    internal static string[] Row(string table, string first) =>
        table.Split('\n')
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .FirstOrDefault(cells => cells.Length > 0 && cells[0] == first)
        ?? throw new Xunit.Sdk.XunitException($"no row for {first} in:\n{table}");
}
