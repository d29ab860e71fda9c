using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ops.Cli.Tests.Support;
using Ops.Daemon.Tests.Support;

namespace Ops.Cli.Tests.Programs;

/// <summary>tail: the last lines of an instance's stdout or stderr, and -f streaming new ones.</summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
public sealed class TailCommandTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Tail_PrinterInstance_PrintsItsLastLinesOfEitherStream()
    {
        await using var opsd = await new Opsd(new JsonObject
        {
            ["printer"] = Worker.Shell("echo first; echo second; echo third; echo 'warn: disk 91% full' >&2; exec sleep 600"),
            ["web"] = Worker.Shell("exec sleep 600", new JsonObject { ["Instances"] = 2 }),
        }).StartAsync();
        var pid = (await opsd.WaitForStateAsync("printer", "Running", Wait)).Single().Pid;
        await WaitForOutputAsync(opsd, "printer", "third");

        var last2 = (await Opsctl.RunAsync(opsd, "tail", "printer", "-n", "2")).ExitsWith(0);
        Assert.Equal("second\nthird\n", last2.Stdout);

        var stderr = (await Opsctl.RunAsync(opsd, "tail", "printer:0", "--stderr")).ExitsWith(0);
        Assert.Equal("warn: disk 91% full\n", stderr.Stdout);

        var json = (await Opsctl.RunAsync(opsd, "tail", "printer", "--lines", "3", "--json")).ExitsWith(0).Json();
        Assert.Equal(["first", "second", "third"], json.EnumerateArray().Select(l => l.GetProperty("text").GetString()));
        Assert.All(json.EnumerateArray(), l => Assert.Equal(pid, l.GetProperty("pid").GetInt32()));

        var ambiguous = (await Opsctl.RunAsync(opsd, "tail", "web")).ExitsWith(1);
        Assert.Contains("refused (400): name: 'web' has 2 instances", ambiguous.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TailFollow_TickingProgram_StreamsNewLinesUntilStopped()
    {
        await using var opsd = await new Opsd(new JsonObject
        {
            ["ticker"] = Worker.Shell("i=0; while true; do i=$((i+1)); echo \"tick $i\"; sleep 0.2; done"),
        }).StartAsync();
        var pid = (await opsd.WaitForStateAsync("ticker", "Running", Wait)).Single().Pid;
        await WaitForOutputAsync(opsd, "ticker", "tick 2");

        var text = await FollowAsync(["--url", opsd.Url, "tail", "ticker", "-f", "-n", "1"], count: 4);
        var ticks = text.Select(l => int.Parse(l.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Enumerable.Range(ticks[0], 4), ticks); // one old line, then each new one in order, none lost

        var json = await FollowAsync(["--url", opsd.Url, "tail", "ticker", "-f", "-n", "1", "--json"], count: 3);
        var events = json.Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
        Assert.All(events, e => Assert.Equal(pid, e.GetProperty("pid").GetInt32()));
        Assert.All(events, e => Assert.StartsWith("tick ", e.GetProperty("text").GetString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task TailFollow_OpsdGetsSigterm_OpsdStopsCleanlyAndOpsctlSaysTheStreamEnded()
    {
        await using var opsd = await new Opsd(new JsonObject
        {
            ["ticker"] = Worker.Shell("while true; do echo tick; sleep 0.2; done"),
        }).StartAsync();
        await opsd.WaitForStateAsync("ticker", "Running", Wait);
        await WaitForOutputAsync(opsd, "ticker", "tick");

        using var process = Opsctl.Start(["--url", opsd.Url, "tail", "ticker", "-f", "-n", "1"]);
        using var cts = new CancellationTokenSource(Wait);
        try
        {
            Assert.Equal("tick", await process.StandardOutput.ReadLineAsync(cts.Token));
            var stderr = process.StandardError.ReadToEndAsync(cts.Token);

            var clock = Stopwatch.StartNew();
            Assert.Equal(0, await opsd.StopAsync(TimeSpan.FromSeconds(12)));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(6), $"opsd took {clock.Elapsed} to stop with opsctl tail -f attached");
            Assert.Empty(opsd.LiveChildren());

            await process.StandardOutput.ReadToEndAsync(cts.Token);
            await process.WaitForExitAsync(cts.Token);
            Assert.Equal(3, process.ExitCode);
            Assert.Contains("ended the stream", await stderr, StringComparison.Ordinal);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    /// <summary>Runs opsctl tail -f until it has printed <paramref name="count"/> lines, then ends it.</summary>
    private static async Task<List<string>> FollowAsync(string[] args, int count)
    {
        using var process = Opsctl.Start(args);
        var lines = new List<string>();
        using var cts = new CancellationTokenSource(Wait);
        try
        {
            while (lines.Count < count && await process.StandardOutput.ReadLineAsync(cts.Token) is { } line)
            {
                lines.Add(line);
            }
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        Assert.True(lines.Count == count, $"opsctl tail -f printed {lines.Count} line(s), not {count}: {string.Join(" | ", lines)}\n{await process.StandardError.ReadToEndAsync()}");
        return lines;
    }

    /// <summary>Output reaches the log store asynchronously: wait until <paramref name="line"/> is there.</summary>
    private static async Task WaitForOutputAsync(Opsd opsd, string program, string line)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < Wait)
        {
            var body = await opsd.Http.GetStringAsync($"/api/v1/programs/{program}/log?lines=100");
            if (body.Contains($"\"{line}\"", StringComparison.Ordinal))
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"{program} did not print '{line}' within {Wait}\n{opsd.Output}");
    }
}
