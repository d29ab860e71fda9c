using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ops.Daemon.Tests.Support;

namespace Ops.Daemon.Tests.Tasks;

/// <summary>GET /api/v1/jobs?state=S&amp;task=T&amp;limit=N on both storages: the task filter before the limit, newest first.</summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
public sealed class JobListTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static TheoryData<string> Storages => ["InMemory", "PostgreSql"];

    [Theory]
    [MemberData(nameof(Storages))]
    public async Task List_SucceededOfOneTaskBehindLaterRunsOfAnother_AnswersItsNewestRuns(string storage)
    {
        await using var opsd = await new Opsd([], TaskSetup.Ops(
            storage,
            new JsonObject { ["t"] = TaskSetup.ShellTask("exit 0"), ["other"] = TaskSetup.ShellTask("exit 0") },
            new JsonObject { ["default"] = new JsonObject { ["Workers"] = 4, ["Capacity"] = 1000 } })).StartAsync();

        var mine = await opsd.SubmitOkAsync("t", Items(54));
        await WaitSucceededAsync(opsd, mine);
        var theirs = await opsd.SubmitOkAsync("other", Items(10));
        await WaitSucceededAsync(opsd, theirs);

        var listed = await ListAsync(opsd, "state=Succeeded&task=t&limit=3");

        Assert.Equal(3, listed.Count);
        Assert.All(listed, j => Assert.Equal("t", j.Task));
        Assert.All(listed, j => Assert.Contains(j.Id, mine));
        Assert.Equal(10, (await ListAsync(opsd, "state=Succeeded&task=other&limit=50")).Count);
        Assert.Equal(54, (await ListAsync(opsd, "state=Succeeded&task=t&limit=500")).Count);
    }

    [Theory]
    [MemberData(nameof(Storages))]
    public async Task List_EnqueuedOnSeveralQueues_NewestFirstAndLimitOverAll(string storage)
    {
        // Each queue's one worker is held by a long run: what is submitted after it waits Enqueued.
        await using var opsd = await new Opsd([], TaskSetup.Ops(
            storage,
            new JsonObject
            {
                ["hold-a"] = TaskSetup.ShellTask("sleep 30", new JsonObject { ["Queue"] = "a" }),
                ["hold-b"] = TaskSetup.ShellTask("sleep 30", new JsonObject { ["Queue"] = "b" }),
                ["wa"] = TaskSetup.ShellTask("exit 0", new JsonObject { ["Queue"] = "a" }),
                ["wb"] = TaskSetup.ShellTask("exit 0", new JsonObject { ["Queue"] = "b" }),
            },
            new JsonObject
            {
                ["a"] = new JsonObject { ["Workers"] = 1, ["Capacity"] = 100 },
                ["b"] = new JsonObject { ["Workers"] = 1, ["Capacity"] = 100 },
            })).StartAsync();
        foreach (var hold in new[] { "hold-a", "hold-b" })
        {
            await opsd.WaitJobStateAsync((await opsd.SubmitOkAsync(hold)).Single(), "Processing", Wait);
        }

        // Interleaved, a few milliseconds apart: b's last, then a's last, then b's one before...
        var order = new List<string>();
        for (var round = 0; round < 4; round++)
        {
            foreach (var task in new[] { "wa", "wb" })
            {
                order.Add((await opsd.SubmitOkAsync(task)).Single());
                await Task.Delay(20);
            }
        }

        order.Reverse();
        var listed = await ListAsync(opsd, "state=Enqueued&limit=3");
        Assert.Equal(order.Take(3), listed.Select(j => j.Id));

        var onlyA = await ListAsync(opsd, "state=Enqueued&task=wa&limit=2");
        Assert.Equal(order.Where((_, i) => i % 2 == 1).Take(2), onlyA.Select(j => j.Id));
    }

    private static string Items(int count) =>
        new JsonObject { ["items"] = new JsonArray([.. Enumerable.Range(1, count).Select(i => (JsonNode)i)]) }.ToJsonString();

    private static async Task<List<JobView>> ListAsync(Opsd opsd, string query) =>
        (await opsd.Http.GetFromJsonAsync<List<JobView>>($"/api/v1/jobs?{query}", Json))!;

    private static async Task WaitSucceededAsync(Opsd opsd, List<string> ids)
    {
        var deadline = DateTime.UtcNow + Wait;
        List<JobView> jobs = [];
        while (DateTime.UtcNow < deadline)
        {
            jobs = await ListAsync(opsd, "ids=" + string.Join(',', ids));
            if (jobs.Count == ids.Count && jobs.All(j => j.State == "Succeeded"))
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"not all {ids.Count} runs succeeded within {Wait}: {string.Join(", ", jobs.GroupBy(j => j.State).Select(g => $"{g.Count()} {g.Key}"))}");
    }
}
