using System.Text.Json.Nodes;
using Ops.Daemon.Tests.Logging.Support;
using Ops.Daemon.Tests.Support;

namespace Ops.Daemon.Tests.Logging;

/// <summary>Seq down or refusing the key: nothing is lost, nothing is doubled, and supervision goes on.</summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
public sealed class SeqOutageTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    /// <summary>The shipper backs off while Seq is down (5 s, 10 s, 20 s... after the second failure), so allow for it.</summary>
    private static readonly TimeSpan Redelivery = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task SeqDown_WhileLinesAreWritten_EveryLineArrivesExactlyOnceWhenItIsBack()
    {
        const int Lines = 5000;
        await using var seq = new ClefEndpoint(SeqConfig.NewApiKey());
        await using var opsd = await new Opsd(
            new JsonObject { ["writer"] = Worker.Program(["--flood", $"{Lines}", "--line-bytes", "30", "--forever"]) },
            SeqConfig.For(seq)).StartAsync();
        await opsd.WaitForStateAsync("writer", "Running", Wait);

        // Every line is in the durable buffer before Seq comes back.
        var buffer = Path.Combine(opsd.Directory, "state", "seq");
        Assert.True(await ClefEndpoint.EventuallyAsync(() => BufferedLines(buffer, "writer") >= Lines, Wait), $"{BufferedLines(buffer, "writer")} lines buffered\n{opsd.Output}");
        Assert.Equal(0, seq.Received);

        await seq.StartAsync();
        Assert.True(
            await ClefEndpoint.EventuallyAsync(() => WriterLines(seq).Count >= Lines, Redelivery),
            $"{WriterLines(seq).Count} of {Lines} lines arrived after Seq came back\n{opsd.Output}");

        // A few more shipping rounds: a batch sent twice would show up within them.
        await Observe.NothingWithinAsync(TimeSpan.FromSeconds(1), () => WriterLines(seq).Count > Lines, "a batch shipped twice");
        var numbers = WriterLines(seq);
        Assert.Equal(Enumerable.Range(1, Lines), numbers.Order());
        Assert.Equal(Lines, numbers.Distinct().Count());
        Assert.Equal(0, seq.KeyLeaks);
    }

    [Fact]
    public async Task SeqDown_UntilOpsdRestarts_TheFirstRunsLinesArriveExactlyOnceFromTheBuffer()
    {
        const int Lines = 2000;
        await using var seq = new ClefEndpoint(SeqConfig.NewApiKey());
        await using var first = await new Opsd(
            new JsonObject { ["writer"] = Worker.Program(["--flood", $"{Lines}", "--line-bytes", "30", "--forever"]) },
            SeqConfig.For(seq)).StartAsync();
        var firstPid = (await first.WaitForStateAsync("writer", "Running", Wait)).Single().Pid;
        var buffer = Path.Combine(first.Directory, "state", "seq");
        Assert.True(await ClefEndpoint.EventuallyAsync(() => BufferedLines(buffer, "writer") >= Lines, Wait), first.Output);
        Assert.Equal(0, await first.StopAsync(Wait));

        // Seq is back, and so is opsd, on the same state directory: it ships what the first run buffered.
        await seq.StartAsync();
        await using var second = await Opsd.Restart(first).StartAsync();
        List<int> FirstRunLines() =>
            [.. seq.Events.Where(e => e.String("Program") == "writer" && e.String("Stream") == "stdout" && e.Number("Pid") == firstPid).Select(e => int.Parse(e.String("Text")![..10]))];
        bool FirstRunStopped() => seq.Events.Any(e => e.Template.StartsWith("opsd stopped", StringComparison.Ordinal));
        Assert.True(await ClefEndpoint.EventuallyAsync(() => FirstRunLines().Count >= Lines && FirstRunStopped(), Redelivery), $"{FirstRunLines().Count} of {Lines}\n{second.Output}");

        await Observe.NothingWithinAsync(
            TimeSpan.FromSeconds(1),
            () => FirstRunLines().Count > Lines || seq.Events.Count(e => e.Template.StartsWith("opsd stopped", StringComparison.Ordinal)) > 1,
            "the first run's buffer shipped twice");
        Assert.Equal(Enumerable.Range(1, Lines), FirstRunLines().Order());
        Assert.Single(seq.Events, e => e.Template.StartsWith("opsd stopped", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SeqRejectsTheApiKey_OpsdKeepsSupervising_AndSaysSoOnItsConsole()
    {
        await using var seq = await new ClefEndpoint(SeqConfig.NewApiKey()) { Mode = EndpointMode.RejectingKey }.StartAsync();
        await using var opsd = await new Opsd(
            new JsonObject { ["svc"] = Worker.Program(["--print-pid", "--forever"]) },
            SeqConfig.For(seq)).StartAsync();
        var first = (await opsd.WaitForStateAsync("svc", "Running", Wait)).Single();

        Assert.True(await ClefEndpoint.EventuallyAsync(() => seq.Rejected > 0, Wait), "the sink never tried to ship");
        Assert.True(
            await ClefEndpoint.EventuallyAsync(() => opsd.Output.Contains("Unauthorized", StringComparison.Ordinal), Wait),
            $"the 401 is not visible on opsd's console:\n{opsd.Output}");
        Assert.Contains("Ops:Logging:Seq:ApiKey", opsd.Output, StringComparison.Ordinal);

        // Supervision is untouched: a killed child is replaced, and the API answers.
        Native.Kill(first.Pid!.Value, Native.SIGKILL);
        await opsd.WaitForAsync("svc", s => s.State == "Running" && s.Pid != first.Pid, Wait, "restarted");
        using var health = await opsd.Http.GetAsync("/healthz");
        Assert.True(health.IsSuccessStatusCode);
        Assert.Equal(0, seq.Accepted);
        Assert.Equal(0, await opsd.StopAsync(Wait));
        Assert.DoesNotContain(seq.ApiKey, opsd.Output, StringComparison.Ordinal);
    }

    /// <summary>Sequence numbers of the writer's stdout lines received, duplicates included.</summary>
    private static List<int> WriterLines(ClefEndpoint seq) =>
        [.. seq.Events.Where(e => e.String("Program") == "writer" && e.String("Stream") == "stdout").Select(e => int.Parse(e.String("Text")![..10]))];

    private static int BufferedLines(string directory, string program)
    {
        if (!Directory.Exists(directory))
        {
            return 0;
        }

        var needle = $"\"Program\":\"{program}\"";
        var count = 0;
        foreach (var file in Directory.GetFiles(directory, "*.clef"))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
            {
                count += line.Contains(needle, StringComparison.Ordinal) ? 1 : 0;
            }
        }

        return count;
    }
}
