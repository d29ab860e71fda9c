using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ops.Daemon.Tests.Support;

namespace Ops.Daemon.Tests.Api;

/// <summary>GET /api/v1/programs/{name}/log: the tail, and follow as server-sent events.</summary>
[Collection(DaemonCollection.Name)]
public sealed class LogApiTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Log_TailAndFollow_ReturnLinesInOrderWithoutGaps()
    {
        await using var opsd = await new Opsd(new JsonObject
        {
            ["talk"] = Worker.Shell("i=0; while true; do echo \"line $i\"; echo \"err $i\" >&2; i=$((i+1)); sleep 0.05; done"),
        }).StartAsync();
        await opsd.WaitForStateAsync("talk", "Running", Wait);
        await Task.Delay(500);

        var tail = JsonDocument.Parse(await opsd.Http.GetStringAsync("/api/v1/programs/talk/log?lines=3&stream=stderr")).RootElement;
        Assert.Equal(3, tail.GetArrayLength());
        Assert.All(tail.EnumerateArray(), l => Assert.StartsWith("err ", l.GetProperty("text").GetString(), StringComparison.Ordinal));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/programs/talk:0/log?lines=2&follow=true");
        using var cts = new CancellationTokenSource(Wait);
        using var response = await opsd.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
        var numbers = new List<int>();
        while (numbers.Count < 12)
        {
            var line = await reader.ReadLineAsync(cts.Token);
            if (line is not null && line.StartsWith("data: ", StringComparison.Ordinal))
            {
                var text = JsonDocument.Parse(line["data: ".Length..]).RootElement.GetProperty("text").GetString()!;
                numbers.Add(int.Parse(text["line ".Length..], System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        // Two lines of backlog, then live lines: consecutive numbers, no gap, no duplicate.
        Assert.Equal(Enumerable.Range(numbers[0], 12), numbers);

        using var bad = await opsd.Http.GetAsync("/api/v1/programs/talk/log?stream=stdin");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("stream", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
