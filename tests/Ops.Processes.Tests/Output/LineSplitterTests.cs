using System.Text;
using Ops.Processes.Output;

namespace Ops.Processes.Tests.Output;

public sealed class LineSplitterTests
{
    [Fact]
    public void Push_LinesWithCrLf_SplitsAndStripsCarriageReturn()
    {
        var splitter = new LineSplitter();
        var lines = new List<string>();

        splitter.Push("one\r\ntwo\nthree"u8, lines);

        Assert.Equal(["one", "two"], lines);
    }

    [Fact]
    public void Push_LineAcrossChunks_IsJoined()
    {
        var splitter = new LineSplitter();
        var lines = new List<string>();

        splitter.Push("hel"u8, lines);
        splitter.Push("lo\nwor"u8, lines);
        splitter.Flush(lines);

        Assert.Equal(["hello", "wor"], lines);
    }

    [Fact]
    public void Push_EmptyLines_AreKept()
    {
        var splitter = new LineSplitter();
        var lines = new List<string>();

        splitter.Push("\n\na\n"u8, lines);

        Assert.Equal(["", "", "a"], lines);
    }

    [Fact]
    public void Push_LineLongerThanLimit_IsCutIntoPieces()
    {
        var splitter = new LineSplitter();
        var lines = new List<string>();
        byte[] data = Encoding.ASCII.GetBytes(new string('a', (InstanceOutputStore.MaxLineBytes * 2) + 10) + "\n");

        splitter.Push(data, lines);

        Assert.Equal([InstanceOutputStore.MaxLineBytes, InstanceOutputStore.MaxLineBytes, 10], lines.Select(l => l.Length));
    }

    [Fact]
    public void Push_CutFallsInsideMultiByteCharacter_KeepsCharacterWhole()
    {
        var splitter = new LineSplitter();
        var lines = new List<string>();

        // One ASCII byte shifts every 3-byte euro sign so that one straddles the 16 KiB limit.
        string text = "x" + new string('€', InstanceOutputStore.MaxLineBytes / 3 + 10);
        splitter.Push(Encoding.UTF8.GetBytes(text + "\n"), lines);

        Assert.Equal(2, lines.Count);
        Assert.Equal(text, string.Concat(lines));
        Assert.DoesNotContain('\uFFFD', string.Concat(lines));
        Assert.True(Encoding.UTF8.GetByteCount(lines[0]) <= InstanceOutputStore.MaxLineBytes);
    }

    [Fact]
    public void Flush_NothingPending_AddsNothing()
    {
        var splitter = new LineSplitter();
        var lines = new List<string>();

        splitter.Push("done\n"u8, lines);
        splitter.Flush(lines);

        Assert.Equal(["done"], lines);
    }
}
