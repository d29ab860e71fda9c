using System.Threading.Channels;

namespace Ops.Processes.Output;

/// <summary>
/// A live feed of output lines with a bounded buffer. When the reader falls behind and the buffer is full, new
/// lines are dropped for this subscriber only and counted in <see cref="Dropped"/>: a slow subscriber never blocks
/// a pump, so it never slows a child. Dispose to unsubscribe (the reader then sees the channel complete).
/// </summary>
public sealed class OutputSubscription : IDisposable
{
    private readonly Channel<OutputLine> _channel;
    private readonly Action<OutputSubscription> _unsubscribe;
    private long _dropped;
    private int _disposed;

    internal OutputSubscription(OutputFilter filter, int capacity, IReadOnlyList<OutputLine> backlog, Action<OutputSubscription> unsubscribe)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Filter = filter;
        Backlog = backlog;
        _unsubscribe = unsubscribe;

        // Wait mode makes TryWrite report "full" instead of silently discarding, so drops can be counted.
        _channel = Channel.CreateBounded<OutputLine>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });
    }

    /// <summary>The filter this subscription was made with.</summary>
    public OutputFilter Filter { get; }

    /// <summary>Lines printed before the subscription started (for follow: the last N), oldest first.</summary>
    public IReadOnlyList<OutputLine> Backlog { get; }

    /// <summary>The live lines, in the order each stream printed them.</summary>
    public ChannelReader<OutputLine> Lines => _channel.Reader;

    /// <summary>Lines dropped so far because this subscriber's buffer was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Stops the feed and completes <see cref="Lines"/>.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _unsubscribe(this);
            _channel.Writer.TryComplete();
        }
    }

    /// <summary>Offers a line without ever waiting; a full buffer drops and counts it.</summary>
    internal void Offer(OutputLine line)
    {
        if (Filter.Matches(line) && !_channel.Writer.TryWrite(line) && Volatile.Read(ref _disposed) == 0)
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    /// <summary>Ends the feed when the store goes away.</summary>
    internal void Complete() => _channel.Writer.TryComplete();
}
