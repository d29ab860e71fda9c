namespace Ops.Processes.Output;

/// <summary>
/// The subscribers of a store, as an immutable array swapped on change: publishing (every line of every child)
/// reads it without a lock; subscribing and unsubscribing (rare) copy it.
/// </summary>
internal sealed class SubscriberSet
{
    private readonly object _gate = new();
    private OutputSubscription[] _subscribers = [];

    /// <summary>Hands <paramref name="line"/> to every subscriber whose filter matches; never blocks.</summary>
    public void Publish(OutputLine line)
    {
        foreach (OutputSubscription subscriber in Volatile.Read(ref _subscribers))
        {
            subscriber.Offer(line);
        }
    }

    public void Add(OutputSubscription subscription)
    {
        lock (_gate)
        {
            _subscribers = [.. _subscribers, subscription];
        }
    }

    public void Remove(OutputSubscription subscription)
    {
        lock (_gate)
        {
            _subscribers = Array.FindAll(_subscribers, s => !ReferenceEquals(s, subscription));
        }
    }

    /// <summary>Completes and forgets every subscriber.</summary>
    public void CompleteAll()
    {
        OutputSubscription[] subscribers;
        lock (_gate)
        {
            subscribers = _subscribers;
            _subscribers = [];
        }

        foreach (OutputSubscription subscriber in subscribers)
        {
            subscriber.Complete();
        }
    }
}
