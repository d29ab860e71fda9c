using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ops.Daemon.Tests.Support;

namespace Ops.Daemon.Tests.Api;

/// <summary>POST /api/v1/reload and SIGHUP through a real opsd that re-reads its rewritten config file.</summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
public sealed class ReloadTests
{
    private const int SIGHUP = 1;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Reload_OneProgramChanged_RestartsOnlyThatProgram()
    {
        await using var opsd = await new Opsd(new JsonObject
        {
            ["web"] = Worker.Program(["--forever"]),
            ["api"] = Worker.Program(["--forever"]),
        }).StartAsync();
        var web = (await opsd.WaitForStateAsync("web", "Running", Wait)).Single();
        var api = (await opsd.WaitForStateAsync("api", "Running", Wait)).Single();
        var apiHistory = await opsd.HistoryAsync("api");

        Rewrite(opsd, ops => ops["Programs"]!["web"] = Worker.Program(["--forever"], new JsonObject { ["Environment"] = new JsonObject { ["MODE"] = "v2" } }));
        var answer = await ReloadAsync(opsd);

        Assert.Equal(["web"], Names(answer, "changed"));
        Assert.Equal(["api"], Names(answer, "unchanged"));
        Assert.Empty(Names(answer, "added"));
        Assert.Empty(Names(answer, "removed"));
        Assert.Equal(["Environment"], Names(answer["changedFields"]!, "web"));
        Assert.True(answer["applied"]!.GetValue<bool>());
        Assert.Empty(Names(answer, "restartRequired"));

        var restarted = (await opsd.WaitForAsync("web", i => i.State == "Running" && i.Pid != web.Pid, Wait, "running again")).Single();
        Assert.False(ProcessTable.IsAlive(web.Pid!.Value));
        var webHistory = await opsd.HistoryAsync("web");
        Assert.Equal(
            [("Running", "Stopping", "config"), ("Stopping", "Stopped", "config"), ("Stopped", "Starting", "config")],
            webHistory.Skip(1).Take(3).Reverse().Select(t => (t.From, t.To, t.Reason)));
        Assert.Equal(restarted.Pid, webHistory[0].Pid);

        Assert.Equal(api.Pid, (await opsd.ProgramsAsync("api")).Single().Pid);
        Assert.Equal(apiHistory.Select(Key), (await opsd.HistoryAsync("api")).Select(Key));
    }

    [Fact]
    public async Task Reload_DryRun_AnswersTheDiffAndChangesNothing()
    {
        await using var opsd = await new Opsd(new JsonObject
        {
            ["web"] = Worker.Program(["--forever"]),
            ["old"] = Worker.Program(["--forever"]),
        }).StartAsync();
        await opsd.WaitForStateAsync("web", "Running", Wait);
        await opsd.WaitForStateAsync("old", "Running", Wait);
        var before = await opsd.ProgramsAsync();

        Rewrite(opsd, ops =>
        {
            var programs = ops["Programs"]!.AsObject();
            programs.Remove("old");
            programs["new"] = Worker.Program(["--forever"]);
            programs["web"] = Worker.Program(["--forever"], new JsonObject { ["Instances"] = 2, ["StopTimeout"] = "60s" });
            ops["Queues"] = new JsonObject { ["bulk"] = new JsonObject { ["Workers"] = 1, ["Capacity"] = 10 } };
        });
        var answer = await ReloadAsync(opsd, dryRun: true);
        await Observe.NothingWithinAsync(TimeSpan.FromSeconds(1), async () => !(await opsd.ProgramsAsync()).SequenceEqual(before), "a dry-run reload changed the running programs");

        Assert.Equal(["new"], Names(answer, "added"));
        Assert.Equal(["old"], Names(answer, "removed"));
        Assert.Equal(["web"], Names(answer, "changed"));
        Assert.Equal(["Instances", "StopTimeout"], Names(answer["changedFields"]!, "web"));
        Assert.False(answer["applied"]!.GetValue<bool>());
        Assert.Equal(["Ops:Queues"], Names(answer, "restartRequired"));
        Assert.Contains("TimeoutStopSec", Assert.Single(Names(answer, "warnings")), StringComparison.Ordinal);
        Assert.Equal(before, await opsd.ProgramsAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await opsd.Http.GetAsync("/api/v1/programs/new")).StatusCode);

        // A second dry run diffs against what runs, so it answers the same.
        var again = await ReloadAsync(opsd, dryRun: true);
        Assert.Equal(answer.ToJsonString(), again.ToJsonString());
    }

    [Fact]
    public async Task Reload_InvalidConfig_400NamingEveryKeyPathAndTheOldProgramsKeepRunning()
    {
        await using var opsd = await new Opsd(new JsonObject
        {
            ["web"] = Worker.Program(["--forever"]),
            ["api"] = Worker.Program(["--forever"]),
        }).StartAsync();
        await opsd.WaitForStateAsync("web", "Running", Wait);
        await opsd.WaitForStateAsync("api", "Running", Wait);
        var before = await opsd.ProgramsAsync();
        var good = File.ReadAllText(opsd.ConfigPath);

        Rewrite(opsd, ops =>
        {
            ops["Programs"]!["web"]!["Instances"] = 0;
            ops["Programs"]!["api"]!["StopTimeout"] = "soon";
            ops["Programs"]!["extra"] = Worker.Program(["--forever"]);
        });
        using var response = await opsd.Http.PostAsync("/api/v1/reload", null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        var paths = problem["errors"]!.AsArray().Select(e => e!["path"]!.GetValue<string>()).ToList();
        Assert.Contains("Ops:Programs:web:Instances", paths);
        Assert.Contains("Ops:Programs:api:StopTimeout", paths);
        Assert.Contains("Ops:Programs:web:Instances", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.All(problem["errors"]!.AsArray(), e => Assert.False(string.IsNullOrWhiteSpace(e!["message"]!.GetValue<string>())));

        // Not JSON at all: refused the same way, naming the file.
        File.WriteAllText(opsd.ConfigPath, "{ \"Ops\": ");
        using var broken = await opsd.Http.PostAsync("/api/v1/reload", null);
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        var brokenProblem = JsonNode.Parse(await broken.Content.ReadAsStringAsync())!;
        Assert.Equal(opsd.ConfigPath, brokenProblem["errors"]![0]!["path"]!.GetValue<string>());

        await Observe.NothingWithinAsync(TimeSpan.FromSeconds(1), async () => !(await opsd.ProgramsAsync()).SequenceEqual(before), "a refused reload changed the running programs");
        Assert.Equal(before, await opsd.ProgramsAsync());
        Assert.All(before, i => Assert.True(ProcessTable.IsAlive(i.Pid!.Value)));

        // Fixed again: nothing to do, since nothing was applied.
        File.WriteAllText(opsd.ConfigPath, good);
        var answer = await ReloadAsync(opsd);
        Assert.Equal(["api", "web"], Names(answer, "unchanged"));
        Assert.Empty(Names(answer, "changed"));
    }

    [Fact]
    public async Task Reload_DryRunOfValuesPastTheirType_400NamingEachKeyNot500()
    {
        await using var opsd = await new Opsd(new JsonObject { ["web"] = Worker.Program(["--forever"]) }).StartAsync();
        var web = (await opsd.WaitForStateAsync("web", "Running", Wait)).Single();

        Rewrite(opsd, ops =>
        {
            ops["Programs"]!["web"]!["StopTimeout"] = "1e300s";
            ops["Programs"]!["web"]!["StartSeconds"] = 1e20;
            ops["Programs"]!["web"]!["RestartWindow"] = "99999999999d";
            ops["Programs"]!["web"]!["WorkingDirectory"] = "/tmp\u0000x";
        });
        using var response = await opsd.Http.PostAsync("/api/v1/reload?dryRun=true", null);
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"reload answered {(int)response.StatusCode}: {body}");
        var paths = JsonNode.Parse(body)!["errors"]!.AsArray().Select(e => e!["path"]!.GetValue<string>()).ToList();
        Assert.Contains("Ops:Programs:web:StopTimeout", paths);
        Assert.Contains("Ops:Programs:web:StartSeconds", paths);
        Assert.Contains("Ops:Programs:web:RestartWindow", paths);
        Assert.Contains("Ops:Programs:web:WorkingDirectory", paths);
        Assert.DoesNotContain(" at Ops.", body, StringComparison.Ordinal);
        Assert.Equal(web.Pid, (await opsd.ProgramsAsync("web")).Single().Pid);
    }

    [Fact]
    public async Task Reload_ProgramAddedAndProgramRemoved_NewOneRunsOldOneIsGone()
    {
        await using var opsd = await new Opsd(new JsonObject
        {
            ["web"] = Worker.Program(["--forever"]),
            ["old"] = Worker.Program(["--forever"]),
        }).StartAsync();
        var web = (await opsd.WaitForStateAsync("web", "Running", Wait)).Single();
        var old = (await opsd.WaitForStateAsync("old", "Running", Wait)).Single();

        Rewrite(opsd, ops =>
        {
            var programs = ops["Programs"]!.AsObject();
            programs.Remove("old");
            programs["extra"] = Worker.Program(["--forever"]);
        });
        var answer = await ReloadAsync(opsd);

        Assert.Equal(["extra"], Names(answer, "added"));
        Assert.Equal(["old"], Names(answer, "removed"));
        Assert.Equal(["web"], Names(answer, "unchanged"));

        // The answer comes once the removed program is stopped and gone.
        Assert.False(ProcessTable.IsAlive(old.Pid!.Value));
        Assert.Equal(HttpStatusCode.NotFound, (await opsd.Http.GetAsync("/api/v1/programs/old")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await opsd.Http.GetAsync("/api/v1/programs/old/history")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await opsd.CommandAsync("start", "old")).StatusCode);
        var extra = (await opsd.WaitForStateAsync("extra", "Running", Wait)).Single();
        Assert.Equal("config", (await opsd.HistoryAsync("extra")).Last().Reason);
        Assert.Equal(web.Pid, (await opsd.ProgramsAsync("web")).Single().Pid);
        Assert.Equal(["extra", "web"], (await opsd.ProgramsAsync()).Select(i => i.Name).Order());
        Assert.Equal(new[] { extra.Pid!.Value, web.Pid!.Value }.Order(), opsd.LiveChildren().Order());
    }

    [Fact]
    public async Task Sighup_ValidThenInvalidConfig_AppliesTheFirstAndLogsTheErrorsOfTheSecond()
    {
        await using var opsd = await new Opsd(new JsonObject
        {
            ["web"] = Worker.Program(["--forever"]),
        }).StartAsync();
        var web = (await opsd.WaitForStateAsync("web", "Running", Wait)).Single();

        Rewrite(opsd, ops => ops["Programs"]!["extra"] = Worker.Program(["--forever"]));
        Assert.Equal(0, Native.Kill(opsd.Pid, SIGHUP));
        await WaitForOutputAsync(opsd, "Reloaded");
        var extra = (await opsd.WaitForStateAsync("extra", "Running", Wait)).Single();

        Rewrite(opsd, ops => ops["Programs"]!["extra"]!["Restart"] = "Sometimes");
        Assert.Equal(0, Native.Kill(opsd.Pid, SIGHUP));
        await WaitForOutputAsync(opsd, "Ops:Programs:extra:Restart");

        Assert.Contains("added [\"extra\"]", opsd.Output, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await opsd.Http.GetAsync("/healthz")).StatusCode);
        Assert.Equal(web.Pid, (await opsd.ProgramsAsync("web")).Single().Pid);
        Assert.Equal(extra.Pid, (await opsd.ProgramsAsync("extra")).Single().Pid);
        Assert.Equal(0, await opsd.StopAsync(Wait));
        Assert.Empty(opsd.LiveChildren());
    }

    private static (int, DateTimeOffset, string, string, string, int?) Key(TransitionView t) => (t.Instance, t.At, t.From, t.To, t.Reason, t.Pid);

    /// <summary>Edits the Ops object of the daemon's config file in place, as an operator would.</summary>
    private static void Rewrite(Opsd opsd, Action<JsonObject> edit)
    {
        var root = JsonNode.Parse(File.ReadAllText(opsd.ConfigPath))!.AsObject();
        edit(root["Ops"]!.AsObject());
        File.WriteAllText(opsd.ConfigPath, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    private static async Task<JsonNode> ReloadAsync(Opsd opsd, bool dryRun = false)
    {
        using var response = await opsd.Http.PostAsync($"/api/v1/reload?dryRun={(dryRun ? "true" : "false")}", null);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"reload answered {(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)!;
    }

    private static List<string> Names(JsonNode node, string property) =>
        [.. node[property]!.AsArray().Select(n => n!.GetValue<string>())];

    private static async Task WaitForOutputAsync(Opsd opsd, string text)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (!opsd.Output.Contains(text, StringComparison.Ordinal))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"opsd did not log '{text}' within {Wait}:\n{opsd.Output}");
            }

            await Task.Delay(50);
        }
    }
}
