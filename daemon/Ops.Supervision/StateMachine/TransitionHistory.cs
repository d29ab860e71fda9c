namespace Ops.Supervision.StateMachine;

/// <summary>
/// The last N transitions of one instance. Written by the supervision loop, read by API threads: a small lock
/// guards the ring, and readers get a copy.
/// </summary>
internal sealed class TransitionHistory(int capacity)
{
    private readonly (long Sequence, TransitionRecord Record)[] _ring = new (long, TransitionRecord)[Math.Max(capacity, 1)];
    private readonly Lock _gate = new();
    private int _next;
    private int _count;

    /// <summary>Appends <paramref name="record"/>, dropping the oldest entry when full.</summary>
    public void Add(long sequence, TransitionRecord record)
    {
        lock (_gate)
        {
            _ring[_next] = (sequence, record);
            _next = (_next + 1) % _ring.Length;
            _count = Math.Min(_count + 1, _ring.Length);
        }
    }

    /// <summary>A copy of the entries, newest first.</summary>
    public (long Sequence, TransitionRecord Record)[] NewestFirst()
    {
        lock (_gate)
        {
            var copy = new (long, TransitionRecord)[_count];
            for (var i = 0; i < _count; i++)
            {
                copy[i] = _ring[(_next - 1 - i + _ring.Length) % _ring.Length];
            }

            return copy;
        }
    }
}
