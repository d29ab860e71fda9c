using System.Collections;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Ops.Daemon.Tests.Logging.Support;
using Ops.Daemon.Tests.Support;
using Xunit.Abstractions;

namespace Ops.Daemon.Tests.Logging;

/// <summary>A child printing as fast as it can: opsd stays responsive, and no line is lost without being counted.</summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
public sealed class OutputFloodTests(ITestOutputHelper output)
{
    private const string FloodStdout = "\"Program\":\"flood\",\"Instance\":0,";
    private const string TextField = "\"Text\":\"";

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Responsive = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task MillionLineFlood_HealthzAnswersWithinASecond_AndEveryLineIsDeliveredOrCountedAsDropped()
    {
        const int Lines = 1_000_000;
        var seen = new BitArray(Lines + 1);
        long delivered = 0, duplicates = 0;
        void Observe(string line)
        {
            if (!line.Contains(FloodStdout, StringComparison.Ordinal) || !line.Contains("\"Stream\":\"stdout\"", StringComparison.Ordinal))
            {
                return;
            }

            var at = line.IndexOf(TextField, StringComparison.Ordinal) + TextField.Length;
            var number = int.Parse(line.AsSpan(at, 10), CultureInfo.InvariantCulture);
            lock (seen)
            {
                if (seen[number])
                {
                    duplicates++;
                }

                seen[number] = true;
                delivered++;
            }
        }

        // Keep opsd's own events (the drop reports among them), observe the million lines without keeping them.
        await using var seq = await new ClefEndpoint(SeqConfig.NewApiKey(), keep: line => !line.Contains("\"Stream\":", StringComparison.Ordinal), observe: Observe).StartAsync();
        await using var opsd = await new Opsd(
            // StartSeconds 0: a flood that is done within the usual 0.5 s must count as a run that ended, not as a
            // failed start that is started again (its second million lines would arrive as duplicates).
            new JsonObject { ["flood"] = Worker.Program(["--flood", $"{Lines}", "--line-bytes", "20"], new JsonObject { ["StartSeconds"] = "0" }) },
            SeqConfig.For(seq)).StartAsync();

        long Dropped() => seq.Events
            .Where(e => e.String("Program") == "flood" && e.Has("DroppedTotal"))
            .Select(e => e.Number("DroppedTotal") ?? 0)
            .DefaultIfEmpty(0)
            .Max();
        long Delivered()
        {
            lock (seen)
            {
                return delivered;
            }
        }

        // /healthz every 100 ms from the start of the flood until every line is accounted for.
        var latencies = new List<TimeSpan>();
        var clock = Stopwatch.StartNew();
        var deadline = TimeSpan.FromSeconds(100);
        while (Delivered() + Dropped() < Lines && clock.Elapsed < deadline)
        {
            var probe = Stopwatch.StartNew();
            using (var timeout = new CancellationTokenSource(Responsive * 2))
            {
                try
                {
                    using var response = await opsd.Http.GetAsync("/healthz", timeout.Token);
                    Assert.True(response.IsSuccessStatusCode, $"/healthz answered {(int)response.StatusCode}");
                }
                catch (OperationCanceledException)
                {
                }
            }

            latencies.Add(probe.Elapsed);
            await Task.Delay(100);
        }

        var (finalDelivered, finalDropped) = (Delivered(), Dropped());
        var flood = (await opsd.ProgramsAsync("flood")).Single();
        output.WriteLine($"{finalDelivered} delivered ({duplicates} twice) + {finalDropped} dropped in {clock.Elapsed.TotalSeconds:0.0} s; /healthz max {latencies.Max().TotalMilliseconds:0} ms over {latencies.Count} probes; flood {flood.State}, {flood.Restarts} restarts, last exit {flood.LastExitCode}/{flood.LastSignal}");
        Assert.Equal(0, duplicates);
        Assert.Equal(Lines, finalDelivered + finalDropped);
        Assert.All(latencies, l => Assert.True(l < Responsive, $"/healthz took {l.TotalMilliseconds:0} ms; max {latencies.Max().TotalMilliseconds:0} ms"));
        await opsd.WaitForStateAsync("flood", "Exited", Wait);
        if (finalDropped > 0)
        {
            Assert.Contains("output lines of flood:0 bound for Seq", opsd.Output, StringComparison.Ordinal);
        }
    }
}
