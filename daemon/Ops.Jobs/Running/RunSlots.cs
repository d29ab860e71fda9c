namespace Ops.Jobs.Running;

/// <summary>
/// Small numbers for concurrent runs of one task on this host. A run is launched as its RunSlotId (task, slot),
/// so its process group gets an orphan record like a program instance does, and a daemon killed mid-run has its
/// runs ended by the next daemon; the numbers stay small so files and records are reused.
/// </summary>
public sealed class RunSlots
{
    private readonly Dictionary<string, SortedSet<int>> _taken = new(StringComparer.Ordinal);

    /// <summary>Takes the lowest free slot of <paramref name="task"/>; dispose to give it back.</summary>
    public Slot Take(string task)
    {
        lock (_taken)
        {
            if (!_taken.TryGetValue(task, out var taken))
            {
                _taken[task] = taken = [];
            }

            var number = 0;
            while (taken.Contains(number))
            {
                number++;
            }

            taken.Add(number);
            return new Slot(this, task, number);
        }
    }

    private void Release(string task, int number)
    {
        lock (_taken)
        {
            _taken[task].Remove(number);
        }
    }

    /// <summary>A taken slot.</summary>
    public sealed class Slot(RunSlots owner, string task, int number) : IDisposable
    {
        private int _released;

        public int Number => number;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.Release(task, number);
            }
        }
    }
}
