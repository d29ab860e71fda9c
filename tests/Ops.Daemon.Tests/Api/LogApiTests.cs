using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ops.Daemon.Tests.Support;

namespace Ops.Daemon.Tests.Api;

/// <summary>GET /api/v1/programs/{name}/log: the tail, and follow as server-sent events.</summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
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
        await Observe.UntilAsync(
            async () => JsonDocument.Parse(await opsd.Http.GetStringAsync("/api/v1/programs/talk/log?lines=3&stream=stderr")).RootElement.GetArrayLength() == 3,
            Wait,
            "three stderr lines of talk in its log");

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

    [Fact]
    public async Task Sigterm_WhileAFollowStreamIsOpen_EndsTheStreamStopsEveryProgramAndExitsZero()
    {
        await using var opsd = await new Opsd(new JsonObject
        {
            ["talk"] = Worker.Shell("while true; do echo tick; sleep 0.2; done"),
            ["quiet"] = Worker.Program(["--forever"]),
        }).StartAsync();
        await opsd.WaitForStateAsync("talk", "Running", Wait);
        await opsd.WaitForStateAsync("quiet", "Running", Wait);

        // A follower of its own, with no client timeout: only opsd may end this stream.
        using var follower = new HttpClient { BaseAddress = new Uri(opsd.Url), Timeout = Timeout.InfiniteTimeSpan };
        using var cts = new CancellationTokenSource(Wait);
        using var response = await follower.GetAsync("/api/v1/programs/talk/log?lines=1&follow=true", HttpCompletionOption.ResponseHeadersRead, cts.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
        Assert.StartsWith("data: ", await reader.ReadLineAsync(cts.Token), StringComparison.Ordinal);

        var clock = Stopwatch.StartNew();
        var exitCode = await opsd.StopAsync(TimeSpan.FromSeconds(12));
        clock.Stop();

        Assert.Equal(0, exitCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(6), $"opsd took {clock.Elapsed} to stop with a follower attached");
        Assert.Empty(opsd.LiveChildren());
        Assert.DoesNotContain("Shutdown timed out", opsd.Output, StringComparison.Ordinal);

        // The stream ended when stopping began: what is left to read ends, it does not hang.
        while (await ReadOrEndAsync(reader, cts.Token) is not null)
        {
        }
    }

    private static async Task<string?> ReadOrEndAsync(StreamReader reader, CancellationToken ct)
    {
        try
        {
            return await reader.ReadLineAsync(ct);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
