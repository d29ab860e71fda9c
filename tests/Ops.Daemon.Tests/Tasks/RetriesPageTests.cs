using System.Net;
using System.Text.Json.Nodes;
using Ops.Daemon.Tests.Support;

namespace Ops.Daemon.Tests.Tasks;

/// <summary>
/// The console's Retries page lists a task run waiting for its retry, on both storages. (That it leaves the list when
/// its retry is enqueued, deleted or fails for good is checked by the RetryFilter's unit tests.)
/// </summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
public sealed class RetriesPageTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    public static TheoryData<string> Storages => ["InMemory", "PostgreSql"];

    [Theory]
    [MemberData(nameof(Storages))]
    public async Task RetriesPage_RunFailedWithRetriesLeft_ListsItWithItsReason(string storage)
    {
        await using var opsd = await new Opsd([], TaskSetup.Ops(storage, new JsonObject
        {
            ["flaky"] = TaskSetup.ShellTask("exit 1", new JsonObject { ["Retries"] = 1, ["RetryDelays"] = new JsonArray("5m") }),
        })).StartAsync();

        var id = (await opsd.SubmitOkAsync("flaky")).Single();
        await opsd.WaitJobStateAsync(id, "Scheduled", Wait);

        var listed = await RetriesPageAsync(opsd);
        Assert.Contains($"jobs/details/{id}\"", listed, StringComparison.Ordinal);
        Assert.Contains("Retry 1/1 in 00:05:00 after: exit 1", listed, StringComparison.Ordinal);

        Assert.Empty(opsd.LiveChildren());
    }

    private static async Task<string> RetriesPageAsync(Opsd opsd)
    {
        using var page = await opsd.Http.GetAsync("/hangfire/retries");
        var html = await page.Content.ReadAsStringAsync();
        Assert.True(page.StatusCode == HttpStatusCode.OK, $"GET /hangfire/retries: {page.StatusCode}\n{html}");
        return html;
    }
}
