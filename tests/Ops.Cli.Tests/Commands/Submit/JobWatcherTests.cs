using Ops.Cli.Commands.Submit;

namespace Ops.Cli.Tests.Commands.Submit;

/// <summary>How submit splits its polling: at most 500 ids, and a query short enough for Kestrel's request line.</summary>
public sealed class JobWatcherTests
{
    [Fact]
    public void Chunks_1200NumericIds_500And500And200InOrder()
    {
        var ids = Enumerable.Range(1, 1200).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();

        var chunks = JobWatcher.Chunks(ids).ToList();

        Assert.Equal([500, 500, 200], chunks.Select(c => c.Count));
        Assert.Equal(ids, chunks.SelectMany(c => c));
    }

    [Fact]
    public void Chunks_GuidIds_StayUnder6000QueryCharacters()
    {
        var ids = Enumerable.Range(0, 500).Select(_ => Guid.NewGuid().ToString()).ToList();

        var chunks = JobWatcher.Chunks(ids).ToList();

        Assert.True(chunks.Count > 1, "500 GUIDs do not fit one request line");
        Assert.All(chunks, c => Assert.True(string.Join(',', c).Length <= 6000));
        Assert.Equal(ids, chunks.SelectMany(c => c));
    }
}
