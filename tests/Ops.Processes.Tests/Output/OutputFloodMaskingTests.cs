using System.Diagnostics;
using Ops.Processes.Tests.Support;
using Ops.Supervision;
using Ops.Supervision.Os;
using Xunit.Abstractions;

namespace Ops.Processes.Tests.Output;

/// <summary>
/// The flood path with secrets to mask: every line of a million-line flood arrives, masked when it holds a secret.
/// Each case prints its rate and the test process's CPU per line, to compare with "none" (masking off).
/// </summary>
public sealed class OutputFloodMaskingTests(ITestOutputHelper log) : IDisposable
{
    private const int Lines = 1_000_000;
    private readonly ProcessSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    [Theory]
    [InlineData("none")]
    [InlineData("miss")]
    [InlineData("hit")]
    public async Task Flood_MillionLinesWithSecrets_EveryLineArrivesMaskedWhereItHoldsOne(string secrets)
    {
        // The worker's flood lines read "0000000001 xxxxxxxx": "hit" masks every one of them, "miss" none.
        string[] masked = secrets switch
        {
            "miss" => ["never-printed-0123", "another-one-4567", "Pa55-sekrit-0042"],
            "hit" => ["never-printed-0123", "xxxxxxxx", "Pa55-sekrit-0042"],
            _ => [],
        };
        _sandbox.Output.MaskSecrets(masked);
        var self = Process.GetCurrentProcess();
        TimeSpan cpuBefore = self.TotalProcessorTime;
        var clock = Stopwatch.StartNew();

        IRunningProcess flood = _sandbox.Start(Worker.Spec("flood", "--flood", $"{Lines}", "--line-bytes", "20"));
        await flood.Exited.WaitAsync(TimeSpan.FromSeconds(20));

        TimeSpan wall = clock.Elapsed;
        self.Refresh();
        TimeSpan cpu = self.TotalProcessorTime - cpuBefore;
        log.WriteLine($"{secrets}: {Lines} lines in {wall.TotalSeconds:0.00} s = {Lines / wall.TotalSeconds:0} lines/s; test process CPU {cpu.TotalMilliseconds * 1000 / Lines:0.00} us/line");
        string expected = secrets == "hit" ? "0001000000 ***" : "0001000000 xxxxxxxx";
        Assert.Equal(expected, _sandbox.Output.Tail(new InstanceId("flood", 0), OutputStream.Stdout, 1).Single().Text);
        string[] file = await File.ReadAllLinesAsync(_sandbox.Output.GetLogFilePath(new InstanceId("flood", 0), OutputStream.Stdout));
        Assert.Equal(Lines, file.Length);
        Assert.Equal(expected, file[^1]);
        if (secrets == "hit")
        {
            Assert.All(_sandbox.Output.Tail(new InstanceId("flood", 0), OutputStream.Stdout, 1000), l => Assert.EndsWith(" ***", l.Text, StringComparison.Ordinal));
        }

        await _sandbox.AssertNoProcessLeftAsync();
    }
}
