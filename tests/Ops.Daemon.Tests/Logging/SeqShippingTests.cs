using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Ops.Daemon.Tests.Logging.Support;
using Ops.Daemon.Tests.Support;

namespace Ops.Daemon.Tests.Logging;

/// <summary>A real opsd shipping to a stand-in Seq: its own events and its programs' lines, with their properties.</summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
public sealed class SeqShippingTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Opsd_ShipsItsEventsAndEveryChildLine_WithStablePropertiesAndNoSecret()
    {
        const int Lines = 1000;
        const string Password = "hunter2-pass";
        var apiKey = SeqConfig.NewApiKey();
        await using var seq = await new ClefEndpoint(apiKey).StartAsync();
        await using var opsd = await new Opsd(
            new JsonObject
            {
                ["talker"] = Worker.Program(["--stderr", "trouble ahead", "--flood", $"{Lines}", "--line-bytes", "40", "--forever"]),
                ["leaky"] = Worker.Program(["--echo-env", "DB_PASSWORD", "--stderr", $"the key is {apiKey}", "--forever"], new JsonObject
                {
                    ["Environment"] = new JsonObject { ["DB_PASSWORD"] = Password },
                }),
                ["crasher"] = Worker.Shell("echo dying >&2; exit 3", new JsonObject { ["MaxRestarts"] = 1 }),
            },
            SeqConfig.For(seq)).StartAsync();

        var talker = (await opsd.WaitForStateAsync("talker", "Running", Wait)).Single();
        await opsd.WaitForStateAsync("crasher", "Fatal", Wait);
        Assert.True(
            await ClefEndpoint.EventuallyAsync(
                () => seq.Events.Count(e => IsLine(e, "talker", "stdout")) >= Lines
                    && seq.Events.Any(e => IsLine(e, "talker", "stderr"))
                    && seq.Events.Any(e => IsLine(e, "leaky", "stderr"))
                    && seq.Events.Any(e => IsLine(e, "leaky", "stdout"))
                    && seq.Events.Any(e => e.Has("Alert"))
                    && seq.Events.Any(IsTalkerRunning),
                Wait),
            $"not everything arrived: {seq.Events.Count(e => IsLine(e, "talker", "stdout"))} talker lines\n{opsd.Output}");

        // Child lines: one event each, in order, stdout at Information, stderr at Warning.
        var stdout = seq.Events.Where(e => IsLine(e, "talker", "stdout")).ToList();
        Assert.Equal(Enumerable.Range(1, Lines), stdout.Select(e => int.Parse(e.String("Text")![..10])));
        Assert.All(stdout, e =>
        {
            Assert.Equal("Information", e.Level);
            Assert.Equal(0, e.Number("Instance"));
            Assert.Equal(talker.Pid, (int?)e.Number("Pid"));
            Assert.Equal("test-host", e.String("Host"));
            Assert.Equal("{Text}", e.Template);
        });
        var stderr = Assert.Single(seq.Events, e => IsLine(e, "talker", "stderr"));
        Assert.Equal(("Warning", "trouble ahead"), (stderr.Level, stderr.String("Text")));

        // opsd's own events carry the stable names and Host.
        var running = seq.Events.First(IsTalkerRunning);
        Assert.Equal((0L, "test-host"), (running.Number("Instance"), running.String("Host")));
        Assert.False(string.IsNullOrEmpty(running.String("Reason")));

        // A program going Fatal is one Error event with everything an alert needs.
        var fatal = Assert.Single(seq.Events, e => e.Has("Alert"));
        Assert.Equal(("ProgramFatal", "Error", "crasher", 0L, 3L), (fatal.String("Alert"), fatal.Level, fatal.String("Program"), fatal.Number("Instance"), fatal.Number("ExitCode")));
        Assert.Equal("Fatal", fatal.String("State"));
        Assert.False(string.IsNullOrEmpty(fatal.String("Reason")));

        // Secrets a child prints are masked in its events; the key and the password are nowhere opsd writes.
        Assert.Equal("the key is ***", seq.Events.Single(e => IsLine(e, "leaky", "stderr")).String("Text"));
        Assert.Equal("DB_PASSWORD=***", seq.Events.Single(e => IsLine(e, "leaky", "stdout")).String("Text"));
        Assert.Equal((0, 0), (seq.KeyLeaks, seq.BadKeyRequests));
        Assert.DoesNotContain(apiKey, opsd.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, opsd.Output, StringComparison.Ordinal);

        // The config holds them, and so do the raw output files of the child that printed them: those are its own.
        bool IsOwnedElsewhere(string file) => file == opsd.ConfigPath || Path.GetFileName(file).StartsWith("leaky-", StringComparison.Ordinal);
        Assert.Empty(SeqConfig.FilesContaining(opsd.Directory, apiKey, IsOwnedElsewhere));
        Assert.Empty(SeqConfig.FilesContaining(opsd.Directory, Password, IsOwnedElsewhere));

        // Without Seq, operators read the same lines through the API and the per-instance files.
        var tail = await opsd.Http.GetFromJsonAsync<List<JsonObject>>("/api/v1/programs/talker/log?lines=5");
        Assert.Equal(Enumerable.Range(Lines - 4, 5), tail!.Select(l => int.Parse(l["text"]!.GetValue<string>()[..10])));
        var file = Path.Combine(opsd.Directory, "log", "programs", "talker-0.out.log");
        Assert.True(await ClefEndpoint.EventuallyAsync(() => File.ReadLines(file).Count() == Lines, Wait), $"{file} has {File.ReadLines(file).Count()} lines");
    }

    private static bool IsTalkerRunning(ClefEvent e) => e.String("Program") == "talker" && e.String("State") == "Running";

    private static bool IsLine(ClefEvent e, string program, string stream) =>
        e.String("Program") == program && e.String("Stream") == stream;
}
