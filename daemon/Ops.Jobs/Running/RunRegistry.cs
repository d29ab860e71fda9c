using System.Collections.Concurrent;
using Ops.Supervision.Os;

namespace Ops.Jobs.Running;

/// <summary>Which job a task run's process belongs to, so its output lines can carry Task, JobId and Attempt.</summary>
/// <param name="Task">The task name.</param>
/// <param name="JobId">The Hangfire job id.</param>
/// <param name="Attempt">The attempt number.</param>
public sealed record RunInfo(string Task, string JobId, int Attempt);

/// <summary>
/// Live and recently ended task runs by pid. Entries stay a while after the run ends, because its last lines are
/// shipped after the process is gone; old entries are pruned as new runs start.
/// </summary>
public sealed class RunRegistry(TimeProvider time)
{
    private static readonly TimeSpan KeepAfterEnd = TimeSpan.FromMinutes(2);
    private readonly ConcurrentDictionary<int, (RunInfo Run, long EndedAt)> _runs = new();
    private readonly ConcurrentDictionary<RunSlotId, RunInfo> _slots = new();
    private readonly ConcurrentQueue<(int Pid, long EndedAt)> _ended = new();

    /// <summary>
    /// Before a launch: the run that is about to use this slot. A fast command can print (and its line be shipped)
    /// before <see cref="Started"/> has its pid; such a line is known by its slot.
    /// </summary>
    public void Reserve(RunSlotId slot, RunInfo run) => _slots[slot] = run;

    public void Started(int pid, RunInfo run)
    {
        // Ended runs leave in the order they ended: only the head of the queue is ever looked at.
        while (_ended.TryPeek(out var oldest) && time.GetElapsedTime(oldest.EndedAt) > KeepAfterEnd && _ended.TryDequeue(out oldest))
        {
            if (_runs.TryGetValue(oldest.Pid, out var entry) && entry.EndedAt == oldest.EndedAt)
            {
                _runs.TryRemove(oldest.Pid, out _);
            }
        }

        _runs[pid] = (run, 0);
    }

    public void Ended(int pid)
    {
        if (_runs.TryGetValue(pid, out var entry))
        {
            var endedAt = time.GetTimestamp();
            _runs[pid] = (entry.Run, endedAt);
            _ended.Enqueue((pid, endedAt));
        }
    }

    /// <summary>
    /// The run a line of <paramref name="slot"/> printed by <paramref name="pid"/> belongs to: by pid when known
    /// (exact, also for late lines of ended runs), else the slot's latest reservation.
    /// </summary>
    public RunInfo? Of(RunSlotId slot, int pid) =>
        _runs.TryGetValue(pid, out var entry) ? entry.Run : _slots.GetValueOrDefault(slot);
}
