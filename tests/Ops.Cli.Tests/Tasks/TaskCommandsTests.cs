using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ops.Cli.Tests.Support;
using Ops.Daemon.Tests.Support;

namespace Ops.Cli.Tests.Tasks;

/// <summary>run, submit, job and jobs through the real opsctl against a real opsd (InMemory storage).</summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
public sealed class TaskCommandsTests
{
    /// <summary>Fails on item 3 with exit 4 and a line on stderr; succeeds on every other item.</summary>
    private const string CheckScript = "read item; [ \"$item\" != 3 ] || { echo \"bad item\" >&2; exit 4; }";

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Submit_FiveItemsOneFailing_WaitsForAllThenReportsTheFailedItemAndExits1()
    {
        await using var opsd = await StartAsync();
        var items = await TempFileAsync("[1, 2, 3, 4, 5]");

        var result = (await Opsctl.RunAsync(opsd, "submit", "check", "--items", items, "--json")).ExitsWith(1);

        var summary = result.Json();
        Assert.Equal("check", summary.GetProperty("task").GetString());
        Assert.Equal(5, summary.GetProperty("total").GetInt32());
        Assert.Equal(4, summary.GetProperty("succeeded").GetInt32());
        Assert.Equal(1, summary.GetProperty("failed").GetInt32());
        Assert.Equal(0, summary.GetProperty("deleted").GetInt32());
        var ids = summary.GetProperty("jobIds").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Equal(5, ids.Distinct().Count());
        var failure = summary.GetProperty("failures").EnumerateArray().Single();
        Assert.Equal(3, failure.GetProperty("item").GetInt32());
        Assert.Equal(ids[2], failure.GetProperty("jobId").GetString());
        Assert.Equal("Failed", failure.GetProperty("state").GetString());
        Assert.Equal(4, failure.GetProperty("exitCode").GetInt32());
        Assert.Contains("bad item", failure.GetProperty("stderrTail").EnumerateArray().Select(l => l.GetString()));

        // The storage agrees: every job is final, as the summary says.
        foreach (var (id, index) in ids.Select((id, i) => (id, i)))
        {
            Assert.Equal(index == 2 ? "Failed" : "Succeeded", (await opsd.JobAsync(id)).State);
        }

        // job: one run in detail.
        var job = (await Opsctl.RunAsync(opsd, "job", ids[2], "--json")).ExitsWith(0).Json();
        Assert.Equal("Failed", job.GetProperty("state").GetString());
        Assert.Equal("check", job.GetProperty("task").GetString());
        Assert.Equal(4, job.GetProperty("exitCode").GetInt32());
        Assert.Equal(1, job.GetProperty("attempt").GetInt32());
        var jobText = (await Opsctl.RunAsync(opsd, "job", ids[2])).ExitsWith(0).Stdout;
        Assert.Contains("Failed", jobText, StringComparison.Ordinal);
        Assert.Contains("exit 4", jobText, StringComparison.Ordinal);
        Assert.Contains("  bad item", jobText, StringComparison.Ordinal);

        // jobs: Failed by default; any state and task on request.
        var failed = (await Opsctl.RunAsync(opsd, "jobs", "--json")).ExitsWith(0).Json();
        Assert.Equal([ids[2]], failed.EnumerateArray().Select(j => j.GetProperty("id").GetString()));
        var succeeded = (await Opsctl.RunAsync(opsd, "jobs", "--state", "succeeded", "--task", "check", "--limit", "10", "--json")).ExitsWith(0).Json();
        Assert.Equal(ids.Where((_, i) => i != 2).Order(), succeeded.EnumerateArray().Select(j => j.GetProperty("id").GetString()!).Order());
        var limited = (await Opsctl.RunAsync(opsd, "jobs", "--state", "Succeeded", "--limit", "2", "--json")).ExitsWith(0).Json();
        Assert.Equal(2, limited.GetArrayLength());
        var failedTable = (await Opsctl.RunAsync(opsd, "jobs")).ExitsWith(0).Stdout;
        Assert.Contains(ids[2], failedTable, StringComparison.Ordinal);
        Assert.Contains("exit 4", failedTable, StringComparison.Ordinal);
        Assert.Contains("No Failed jobs of task other.", (await Opsctl.RunAsync(opsd, "jobs", "--task", "other")).ExitsWith(0).Stdout, StringComparison.Ordinal);
        File.Delete(items);
    }

    [Fact]
    public async Task Submit_JsonLinesWithoutJson_PrintsCountsAndATableOfTheFailedItems()
    {
        await using var opsd = await StartAsync();
        var items = await TempFileAsync("7\n3\n\n8\n");

        var result = (await Opsctl.RunAsync(opsd, "submit", "check", "--items", items)).ExitsWith(1);

        Assert.Contains("check: 3 item(s) in ", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("2 succeeded, 1 failed", result.Stdout, StringComparison.Ordinal);
        var failedId = (await opsd.Http.GetFromJsonAsync<JsonElement>("/api/v1/jobs?state=Failed")).EnumerateArray().Single().GetProperty("id").GetString()!;
        var row = Programs.ProgramCommandsTests.Row(result.Stdout, "3");
        Assert.Equal([failedId, "Failed", "exit", "4", "1"], row[1..6]);
        Assert.Equal("bad item", string.Join(' ', row[^2..]));
        Assert.Contains("check: 3/3 done: 2 succeeded, 1 failed", result.Stderr, StringComparison.Ordinal); // progress, redirected: plain lines

        var allGood = await TempFileAsync("[{\"n\": 1}, {\"n\": 2}]");
        var ok = (await Opsctl.RunAsync(opsd, "submit", "check", "--items", allGood)).ExitsWith(0);
        Assert.Contains("2 succeeded, 0 failed", ok.Stdout, StringComparison.Ordinal);
        File.Delete(items);
        File.Delete(allGood);
    }

    [Fact]
    public async Task Run_TaskWithArgs_EnqueuesOneJobThatGetsTheArgsAfterTheDoubleDash()
    {
        var argsFile = Path.Combine(Path.GetTempPath(), $"ops-args-{Guid.NewGuid():N}");
        await using var opsd = await StartAsync(new JsonObject
        {
            // sh -c SCRIPT NAME ARGS...: the args opsctl adds become $1, $2, ...
            ["echo"] = new JsonObject { ["Command"] = "/bin/sh", ["Args"] = new JsonArray("-c", $"echo \"$@\" > {argsFile}", "echo"), ["AllowArgs"] = true },
        });

        var run = (await Opsctl.RunAsync(opsd, "run", "echo", "--json", "--", "--name", "world")).ExitsWith(0).Json();
        var id = run.GetProperty("jobIds").EnumerateArray().Single().GetString()!;
        await opsd.WaitJobStateAsync(id, "Succeeded", Wait);
        Assert.Equal("--name world\n", await File.ReadAllTextAsync(argsFile));
        var job = (await Opsctl.RunAsync(opsd, "job", id, "--json")).ExitsWith(0).Json();
        Assert.Equal("Succeeded", job.GetProperty("state").GetString());
        Assert.Equal("echo", job.GetProperty("task").GetString());

        var text = (await Opsctl.RunAsync(opsd, "run", "echo")).ExitsWith(0).Stdout;
        Assert.Matches(@"^enqueued: task echo, job \S+\n$", text);

        var notAllowed = (await Opsctl.RunAsync(opsd, "run", "check", "--", "x")).ExitsWith(1);
        Assert.Contains("refused (400): args: task 'check' does not allow arguments", notAllowed.Stderr, StringComparison.Ordinal);
        var unknownTask = (await Opsctl.RunAsync(opsd, "run", "nope")).ExitsWith(1);
        Assert.Contains("refused (404): No task 'nope' is configured", unknownTask.Stderr, StringComparison.Ordinal);
        var unknownJob = (await Opsctl.RunAsync(opsd, "job", "no-such-job", "--json")).ExitsWith(1);
        Assert.Equal(404, unknownJob.Json().GetProperty("status").GetInt32());
        File.Delete(argsFile);
    }

    [Fact]
    public async Task Submit_BatchLargerThanTheQueuesCapacity_SaysHowToSplitItAndExits1()
    {
        await using var opsd = await StartAsync();
        var items = await TempFileAsync("[" + string.Join(", ", Enumerable.Range(1, 250)) + "]");

        var result = (await Opsctl.RunAsync(opsd, "submit", "check", "--items", items)).ExitsWith(1);

        Assert.Contains("refused (413)", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("split it into batches of at most 100 items (3 requests)", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("retry later", result.Stderr, StringComparison.Ordinal);
        var (status, problem) = await opsd.SubmitAsync("check", "{\"items\": " + await File.ReadAllTextAsync(items) + "}");
        Assert.Equal(System.Net.HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal((100, 250, 3), (problem.GetProperty("capacity").GetInt32(), problem.GetProperty("requested").GetInt32(), problem.GetProperty("batches").GetInt32()));
        Assert.Empty((await opsd.Http.GetFromJsonAsync<JsonElement>("/api/v1/jobs?state=Enqueued")).EnumerateArray());
        File.Delete(items);
    }

    private static Task<Opsd> StartAsync(JsonObject? extraTasks = null)
    {
        var tasks = new JsonObject { ["check"] = TaskSetup.ShellTask(CheckScript, new JsonObject { ["Retries"] = 0 }) };
        foreach (var (name, task) in extraTasks ?? [])
        {
            tasks[name] = task?.DeepClone();
        }

        return new Opsd([], TaskSetup.Ops("InMemory", tasks, new JsonObject { ["default"] = new JsonObject { ["Workers"] = 2, ["Capacity"] = 100 } })).StartAsync();
    }

    private static async Task<string> TempFileAsync(string text)
    {
        var path = Path.Combine(Path.GetTempPath(), $"ops-items-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, text);
        return path;
    }
}
