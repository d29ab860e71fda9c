using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Ops.Daemon.Tests.Support;

namespace Ops.Daemon.Tests.Logging.Support;

/// <summary>How the stand-in Seq answers.</summary>
internal enum EndpointMode
{
    /// <summary>201 when X-Seq-ApiKey is the expected key, else 401.</summary>
    Accepting,

    /// <summary>401 to every request, as Seq does for a bad or revoked API key.</summary>
    RejectingKey,
}

/// <summary>
/// A stand-in Seq on 127.0.0.1: POST /api/events/raw with newline-delimited CLEF (what Serilog.Sinks.Seq 9 sends,
/// also from its durable buffer) or a {"Events": [...]} batch, X-Seq-ApiKey checked, 201 answered. It can be taken
/// down (nothing listens on the port), brought back on the same port, or made to refuse the key. Every body is
/// searched for the API key as it arrives; events are kept (or only observed, for floods) in arrival order.
/// </summary>
internal sealed class ClefEndpoint : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly List<ClefEvent> _events = [];
    private readonly Func<string, bool> _keep;
    private readonly Action<string>? _observe;
    private WebApplication? _app;
    private long _received;
    private int _accepted;
    private int _rejected;
    private int _keyLeaks;
    private int _badKeyRequests;

    /// <param name="apiKey">The key the endpoint expects in X-Seq-ApiKey.</param>
    /// <param name="keep">Which raw CLEF lines to keep as <see cref="ClefEvent"/>s (all when null).</param>
    /// <param name="observe">Called with every raw CLEF line, kept or not, on the request thread.</param>
    public ClefEndpoint(string apiKey, Func<string, bool>? keep = null, Action<string>? observe = null)
    {
        ApiKey = apiKey;
        Port = Tools.FreePort();
        _keep = keep ?? (_ => true);
        _observe = observe;
    }

    public string ApiKey { get; }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    public EndpointMode Mode { get; set; } = EndpointMode.Accepting;

    public bool IsUp => _app is not null;

    /// <summary>Events received so far (kept or not), duplicates included.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Requests answered 201.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>Requests answered 401.</summary>
    public int Rejected => Volatile.Read(ref _rejected);

    /// <summary>Requests whose body contained the API key: must stay 0.</summary>
    public int KeyLeaks => Volatile.Read(ref _keyLeaks);

    /// <summary>Requests that came with a missing or wrong X-Seq-ApiKey.</summary>
    public int BadKeyRequests => Volatile.Read(ref _badKeyRequests);

    /// <summary>The kept events, in arrival order.</summary>
    public IReadOnlyList<ClefEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>Starts listening (again) on <see cref="Port"/>.</summary>
    public async Task<ClefEndpoint> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(Url);
        var app = builder.Build();
        app.MapPost("/api/events/raw", HandleAsync);
        await app.StartAsync();
        _app = app;
        return this;
    }

    /// <summary>Stops listening: the sink then gets "connection refused", as when Seq is down.</summary>
    public async Task StopAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>Polls until <paramref name="condition"/> holds; false after <paramref name="timeout"/>.</summary>
    public static async Task<bool> EventuallyAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(50);
        }

        return true;
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task HandleAsync(HttpContext context)
    {
        if (Mode == EndpointMode.RejectingKey || context.Request.Headers["X-Seq-ApiKey"] != ApiKey)
        {
            Interlocked.Increment(ref _badKeyRequests);
            Interlocked.Increment(ref _rejected);
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        if (body.Contains(ApiKey, StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _keyLeaks);
        }

        var kept = new List<ClefEvent>();
        var count = 0;
        foreach (var line in Lines(body))
        {
            count++;
            _observe?.Invoke(line);
            if (_keep(line))
            {
                kept.Add(new ClefEvent(JsonNode.Parse(line)!.AsObject()));
            }
        }

        lock (_gate)
        {
            _events.AddRange(kept);
        }

        Interlocked.Add(ref _received, count);
        Interlocked.Increment(ref _accepted);
        context.Response.StatusCode = StatusCodes.Status201Created;
        await context.Response.WriteAsync("{\"MinimumLevelAccepted\":null}");
    }

    /// <summary>The events of a body: CLEF lines, or the elements of a {"Events": [...]} batch.</summary>
    private static IEnumerable<string> Lines(string body)
    {
        if (body.TrimStart().StartsWith("{\"Events\"", StringComparison.Ordinal))
        {
            foreach (var element in JsonDocument.Parse(body).RootElement.GetProperty("Events").EnumerateArray())
            {
                yield return element.GetRawText();
            }

            yield break;
        }

        foreach (var line in body.Split('\n'))
        {
            var trimmed = line.Trim();
            if (trimmed.Length > 0)
            {
                yield return trimmed;
            }
        }
    }
}
