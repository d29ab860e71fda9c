using System.Text;
using Ops.Processes.Output;
using Ops.Processes.Tests.Support;
using Ops.Supervision;
using Ops.Supervision.Os;

namespace Ops.Processes.Tests.Output;

/// <summary>Secrets handed to the output store never show in a line, however the child prints them.</summary>
public sealed class OutputSecretsTests : IDisposable
{
    private const string Secret = "Pa55-sekrit-0042";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly ProcessSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    public void Apply_NoSecretInLine_ReturnsTheSameString()
    {
        var secrets = new OutputSecrets([Secret]);
        string line = "nothing to hide here";

        Assert.Same(line, secrets.Apply(line));
    }

    [Fact]
    public void Apply_SecretsThatAreSubstringsOfOthers_MasksTheLongestWhole()
    {
        var secrets = new OutputSecrets(["abcd", "abcdefgh", "efgh"]);

        Assert.Equal("x *** y *** z ***", secrets.Apply("x abcdefgh y abcd z efgh"));
    }

    [Fact]
    public void Apply_OverlappingSecrets_MasksTheirUnion()
    {
        var secrets = new OutputSecrets(["abcdef", "defghi"]);

        Assert.Equal("<***>", secrets.Apply("<abcdefghi>"));
        Assert.Equal("***,***", secrets.Apply("abcdef,defghi"));
    }

    [Fact]
    public void Push_SecretSplitAcrossReads_IsMaskedInTheWholeLine()
    {
        var splitter = new LineSplitter();
        var secrets = new OutputSecrets([Secret]);
        var lines = new List<string>();

        splitter.Push("login Pa55-se"u8, lines, secrets);
        splitter.Push("krit-0042 ok\nnext Pa55"u8, lines, secrets);
        splitter.Flush(lines, secrets);

        Assert.Equal(["login *** ok", "next Pa55"], lines);
    }

    [Fact]
    public void Push_SecretAcrossTheCutOfALongLine_IsMaskedInTheNextPiece()
    {
        var splitter = new LineSplitter();
        var secrets = new OutputSecrets([Secret]);
        var lines = new List<string>();

        // Every offset puts the cut at another place inside the secret.
        for (int before = LineSplitter.MaxLineBytes - Secret.Length + 1; before < LineSplitter.MaxLineBytes; before++)
        {
            lines.Clear();
            splitter.Push(Encoding.ASCII.GetBytes(new string('.', before) + Secret + " end\n"), lines, secrets);

            Assert.Equal(new string('.', before) + "*** end", string.Concat(lines));
            Assert.All(lines, l => Assert.True(Encoding.UTF8.GetByteCount(l) <= LineSplitter.MaxLineBytes));
        }
    }

    [Fact]
    public void Push_LongLineOfSecretRepeats_StillMovesOnAndMasksEveryOne()
    {
        var splitter = new LineSplitter();
        var secrets = new OutputSecrets(["aaaa"]);
        var lines = new List<string>();

        splitter.Push(Encoding.ASCII.GetBytes(new string('a', LineSplitter.MaxLineBytes * 3) + "\n"), lines, secrets);

        Assert.DoesNotContain("aaaa", string.Concat(lines), StringComparison.Ordinal);
        Assert.InRange(lines.Count, 3, 4);
    }

    [Fact]
    public async Task Output_SecretsReplacedWhileRunning_NewSecretsApplyToNewLines()
    {
        _sandbox.Output.MaskSecrets([Secret]);
        IRunningProcess first = _sandbox.Start(Worker.Command("web", "/bin/sh", "-c", $"echo 'a {Secret}'; echo 'b other-secret-77' >&2"));
        await first.Exited.WaitAsync(Timeout);

        _sandbox.Output.MaskSecrets(["other-secret-77"]);
        IRunningProcess second = _sandbox.Start(Worker.Command("web", "/bin/sh", "-c", "echo 'c other-secret-77' >&2"));
        await second.Exited.WaitAsync(Timeout);

        Assert.Equal(["a ***"], _sandbox.Output.Tail(new InstanceId("web", 0), OutputStream.Stdout, 10).Select(l => l.Text));
        Assert.Equal(["b other-secret-77", "c ***"], _sandbox.Output.Tail(new InstanceId("web", 0), OutputStream.Stderr, 10).Select(l => l.Text));
        Assert.Equal(["a ***"], await File.ReadAllLinesAsync(_sandbox.Output.GetLogFilePath(new InstanceId("web", 0), OutputStream.Stdout)));
        Assert.Equal(["c ***"], second.Tail(OutputStream.Stderr, 10));
        await _sandbox.AssertNoProcessLeftAsync();
    }
}
