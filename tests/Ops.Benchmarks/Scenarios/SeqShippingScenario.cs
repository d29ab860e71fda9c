using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Ops.Benchmarks.Infrastructure;
using Serilog;
using Serilog.Events;
using Serilog.Parsing;

namespace Ops.Benchmarks.Scenarios;

/// <summary>
/// How fast a program's output reaches Seq through opsd: lines per second from a child's stdout to a CLEF endpoint
/// on loopback (POST /api/events/raw, as Seq), against the same endpoint fed directly by a bare Serilog Seq sink with
/// the same durable buffer and period in this process (the ceiling opsd's shipping can reach). opsd runs twice: with a
/// buffer big enough that nothing is dropped (the pipeline's throughput), and with its default buffer (what a child
/// printing flat out gets through, and how much is dropped and counted).
/// </summary>
internal sealed class SeqShippingScenario : IScenario
{
    private const int Lines = 200_000;
    private const string Period = "200ms";
    private const int DefaultBufferLines = 10_000;

    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromMinutes(2);

    public string Name => "seq-shipping";

    public TimeSpan Limit => TimeSpan.FromMinutes(8);

    public async Task<string> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var results = new List<Result>
        {
            await BareSerilogAsync(context, cancellationToken),
            await OpsdAsync(context, "opsd, buffer holds every line", Lines, cancellationToken),
            await OpsdAsync(context, $"opsd, default buffer ({DefaultBufferLines:N0} lines)", DefaultBufferLines, cancellationToken),
        };

        var table = new MarkdownTable("contender", "lines", "delivered", "dropped (counted)", "lost", "delivered lines/s", "first line to last delivered s");
        foreach (var r in results)
        {
            table.Add(
                r.Label,
                Invariant(Lines),
                Invariant(r.Delivered),
                r.Dropped is { } dropped ? Invariant(dropped) : "n/a",
                Invariant(Lines - r.Delivered - (r.Dropped ?? 0)),
                (r.Delivered / r.Elapsed.TotalSeconds).ToString("N0", CultureInfo.InvariantCulture),
                BenchReport.Seconds(r.Elapsed));
        }

        return new StringBuilder()
            .AppendLine("## seq-shipping")
            .AppendLine()
            .AppendLine($"{Lines:N0} lines to a CLEF endpoint on loopback (Kestrel in the harness, 201 per batch). Machine: {BenchReport.MachineLine()}.")
            .AppendLine()
            .Append(table)
            .AppendLine()
            .AppendLine($"- bare Serilog: `WriteTo.Seq` with a durable buffer and period {Period} in the harness, {Lines:N0} events shaped like opsd's line events (Program, Instance, Pid, Stream, Text) written in a loop: the ceiling of the sink itself.")
            .AppendLine($"- opsd: program `/usr/bin/seq 1 {Lines}` (prints every line at once); Seq period {Period}; `Ops:Logging:ChildOutput:BufferLines` as named. \"dropped (counted)\" is the last DroppedTotal opsd reported for the instance; lost = lines - delivered - dropped, which must be 0.")
            .AppendLine("- The time runs from the first line's own timestamp (when the sink or opsd got it) to the arrival of the last one at the endpoint, so it covers buffering and shipping, not process start-up.")
            .ToString();
    }

    private static async Task<Result> BareSerilogAsync(BenchContext context, CancellationToken cancellationToken)
    {
        Console.WriteLine("seq-shipping: bare Serilog Seq sink");
        var work = context.NewWorkDirectory("seq-bare");
        await using var endpoint = await ClefCounter.StartAsync();
        var template = new MessageTemplateParser().Parse("{Text}");
        LogEventProperty[] fixedProperties =
        [
            new("Program", new ScalarValue("bench")),
            new("Instance", new ScalarValue(0)),
            new("Pid", new ScalarValue(Environment.ProcessId)),
            new("Stream", new ScalarValue("stdout")),
        ];

        using (var logger = new LoggerConfiguration()
            .WriteTo.Seq(endpoint.Url, bufferBaseFilename: Path.Combine(work, "buffer"), period: TimeSpan.Parse("00:00:00.2", CultureInfo.InvariantCulture))
            .CreateLogger())
        {
            for (var n = 1; n <= Lines; n++)
            {
                logger.Write(new LogEvent(DateTimeOffset.Now, LogEventLevel.Information, null, template, [.. fixedProperties, new LogEventProperty("Text", new ScalarValue(n.ToString(CultureInfo.InvariantCulture)))]));
            }

            await endpoint.WaitForAsync(Lines, "bare Serilog", null, cancellationToken);
        }

        return new Result("bare Serilog Seq sink (baseline)", endpoint.Delivered, null, endpoint.Elapsed);
    }

    private static async Task<Result> OpsdAsync(BenchContext context, string label, int bufferLines, CancellationToken cancellationToken)
    {
        Console.WriteLine($"seq-shipping: {label}");
        var work = context.NewWorkDirectory("seq-opsd");
        await using var endpoint = await ClefCounter.StartAsync();
        var port = FreePort();
        var config = Path.Combine(work, "opsd.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
        {
            Ops = new
            {
                Host = new { Urls = $"http://127.0.0.1:{port}", StateDirectory = Path.Combine(work, "state"), LogDirectory = Path.Combine(work, "log"), Name = "bench" },
                Logging = new
                {
                    Level = "Information",
                    Console = true,
                    File = false,
                    Seq = new { ServerUrl = endpoint.Url, ApiKey = "bench-key", Period },
                    ChildOutput = new { BufferLines = bufferLines, DropReportInterval = "1s" },
                },
                Programs = new Dictionary<string, object>
                {
                    ["bench"] = new { Command = "/usr/bin/seq", Args = new[] { "1", Invariant(Lines) }, StartSeconds = "0", Restart = "Never" },
                },
            },
        }), cancellationToken);

        var opsdDll = Path.Combine(AppContext.BaseDirectory, "opsd.dll");
        using var opsd = LaunchedProcess.Start("opsd", DotnetHost(), [opsdDll, "--config", config], context.Janitor);
        try
        {
            await endpoint.WaitForAsync(Lines, label, opsd, cancellationToken);
        }
        finally
        {
            await opsd.StopAsync(TimeSpan.FromSeconds(30));
        }

        return new Result(label, endpoint.Delivered, endpoint.Dropped, endpoint.Elapsed);
    }

    private static string DotnetHost()
    {
        // The runtime directory is <root>/shared/Microsoft.NETCore.App/<version>/.
        var host = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", "dotnet"));
        return File.Exists(host) ? host : "dotnet";
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);

    private sealed record Result(string Label, long Delivered, long? Dropped, TimeSpan Elapsed);

    /// <summary>
    /// A stand-in Seq that counts stdout line events of program "bench" (each number once), reads opsd's drop
    /// reports, and times from the first line's @t to the arrival of the last.
    /// </summary>
    private sealed class ClefCounter : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly HashSet<long> _numbers = [];
        private readonly Lock _gate = new();
        private DateTimeOffset? _firstLine;
        private DateTimeOffset _lastArrival;
        private long _dropped;

        private ClefCounter(WebApplication app, string url) => (_app, Url) = (app, url);

        public string Url { get; }

        public long Delivered
        {
            get
            {
                lock (_gate)
                {
                    return _numbers.Count;
                }
            }
        }

        public long Dropped => Interlocked.Read(ref _dropped);

        public TimeSpan Elapsed
        {
            get
            {
                lock (_gate)
                {
                    return _firstLine is { } first ? _lastArrival - first : TimeSpan.Zero;
                }
            }
        }

        public static async Task<ClefCounter> StartAsync()
        {
            var url = $"http://127.0.0.1:{FreePort()}";
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls(url);
            var app = builder.Build();
            var counter = new ClefCounter(app, url);
            app.MapPost("/api/events/raw", counter.HandleAsync);
            await app.StartAsync();
            return counter;
        }

        /// <summary>Until every line is delivered or counted as dropped; throws on a timeout or when opsd died.</summary>
        public async Task WaitForAsync(long lines, string label, LaunchedProcess? opsd, CancellationToken cancellationToken)
        {
            var clock = Stopwatch.StartNew();
            while (Delivered + Dropped < lines)
            {
                opsd?.ThrowIfExited();
                if (clock.Elapsed > DeliveryTimeout)
                {
                    throw new TimeoutException($"{label}: {Delivered} delivered + {Dropped} dropped of {lines} after {DeliveryTimeout.TotalSeconds:0} s{(opsd is null ? string.Empty : $"; opsd's last output:{Environment.NewLine}{opsd.Tail()}")}");
                }

                await Task.Delay(20, cancellationToken);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        private async Task HandleAsync(HttpContext context)
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var arrival = DateTimeOffset.UtcNow;
            foreach (var line in body.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!line.Contains("\"Program\":\"bench\"", StringComparison.Ordinal))
                {
                    continue;
                }

                using var json = JsonDocument.Parse(line);
                var root = json.RootElement;
                if (root.TryGetProperty("DroppedTotal", out var droppedTotal))
                {
                    var total = droppedTotal.GetInt64();
                    long seen;
                    while ((seen = Interlocked.Read(ref _dropped)) < total && Interlocked.CompareExchange(ref _dropped, total, seen) != seen)
                    {
                    }
                }
                else if (root.TryGetProperty("Stream", out var stream) && stream.GetString() == "stdout")
                {
                    var number = long.Parse(root.GetProperty("Text").GetString()!, CultureInfo.InvariantCulture);
                    var at = root.GetProperty("@t").GetDateTimeOffset();
                    lock (_gate)
                    {
                        _numbers.Add(number);
                        _firstLine = _firstLine is { } first && first <= at ? first : at;
                        _lastArrival = arrival;
                    }
                }
            }

            context.Response.StatusCode = StatusCodes.Status201Created;
            await context.Response.WriteAsync("{\"MinimumLevelAccepted\":null}");
        }
    }
}
