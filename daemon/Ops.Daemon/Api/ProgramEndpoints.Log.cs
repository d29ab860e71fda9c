using Ops.Processes.Output;
using Ops.Supervision;
using Ops.Supervision.Os;

namespace Ops.Daemon.Api;

public static partial class ProgramEndpoints
{
    private const int MaxLines = 10_000;
    private static readonly TimeSpan KeepAliveEvery = TimeSpan.FromSeconds(15);

    /// <summary>
    /// tail -f as server-sent events: the backlog, then every new line as <c>data: {json}</c>, until the client goes
    /// or the daemon begins to stop. A client too slow to keep up loses lines, and is told how many in a
    /// <c>event: dropped</c> message.
    /// </summary>
    private static async Task FollowAsync(HttpContext http, InstanceOutputStore output, IHostApplicationLifetime lifetime, InstanceId instance, OutputStream stream, int backlog)
    {
        // Kestrel waits for open requests before it lets the host go on stopping; a stream that outlived
        // ApplicationStopping would hold the shutdown until its budget is spent.
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
        var ct = ended.Token;
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
        using var subscription = output.Follow(instance, stream, backlog);
        long reportedDrops = 0;
        try
        {
            foreach (var line in subscription.Backlog)
            {
                await WriteEventAsync(http, null, LineDto.Of(line), ct);
            }

            await http.Response.Body.FlushAsync(ct);
            while (!ct.IsCancellationRequested)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
                wait.CancelAfter(KeepAliveEvery);
                try
                {
                    await subscription.Lines.WaitToReadAsync(wait.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    await http.Response.WriteAsync(": keep-alive\n\n", ct);
                    await http.Response.Body.FlushAsync(ct);
                    continue;
                }

                while (subscription.Lines.TryRead(out var line))
                {
                    await WriteEventAsync(http, null, LineDto.Of(line), ct);
                }

                if (subscription.Dropped > reportedDrops)
                {
                    reportedDrops = subscription.Dropped;
                    await WriteEventAsync(http, "dropped", new { dropped = reportedDrops }, ct);
                }

                await http.Response.Body.FlushAsync(ct);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away, or the daemon is stopping: either way the response ends here, cleanly.
        }
    }

    private static async Task WriteEventAsync(HttpContext http, string? name, object payload, CancellationToken ct)
    {
        var json = System.Text.Json.JsonSerializer.Serialize(payload, System.Text.Json.JsonSerializerOptions.Web);
        await http.Response.WriteAsync(name is null ? $"data: {json}\n\n" : $"event: {name}\ndata: {json}\n\n", ct);
    }

    private sealed record LineDto(DateTimeOffset At, int Pid, string Text)
    {
        public static LineDto Of(OutputLine line) => new(line.Timestamp, line.Pid, line.Text);
    }

    /// <summary>GET /api/v1/programs/{name}/log?stream=stdout&amp;lines=100: the last lines of one instance.</summary>
    private static void MapLogEndpoint(RouteGroupBuilder programs) =>
        programs.MapGet("/{name}/log", async (string name, string? stream, int? lines, bool? follow, HttpContext http, ISupervisor supervisor, InstanceOutputStore output, IHostApplicationLifetime lifetime) =>
        {
            var (program, instance) = SplitTarget(name);
            var snapshot = supervisor.Snapshot(program);
            if (snapshot is null || (instance is not null && snapshot.All(s => s.Index != instance)))
            {
                return UnknownProgram(name);
            }

            if (instance is null && snapshot.Count > 1)
            {
                return Problems.BadRequest("name", $"'{program}' has {snapshot.Count} instances; name one, e.g. {new InstanceId(program, 0)}");
            }

            OutputStream which;
            switch (stream?.ToLowerInvariant())
            {
                case null or "stdout":
                    which = OutputStream.Stdout;
                    break;
                case "stderr":
                    which = OutputStream.Stderr;
                    break;
                default:
                    return Problems.BadRequest("stream", $"'{stream}' is not stdout or stderr");
            }

            var count = lines ?? 100;
            if (count is < 1 or > MaxLines)
            {
                return Problems.BadRequest("lines", $"must be between 1 and {MaxLines}, not {count}");
            }

            // A known program: its name is one, and the lone instance of a program named alone is 0.
            var id = new InstanceId(program, instance ?? 0);
            if (follow == true)
            {
                await FollowAsync(http, output, lifetime, id, which, count);
                return Results.Empty;
            }

            var tail = output.Tail(id, which, count);
            return Results.Ok(tail.Select(LineDto.Of));
        });
}
