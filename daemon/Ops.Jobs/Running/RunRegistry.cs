using System.Collections.Concurrent;

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
    private readonly ConcurrentDictionary<(string Program, int Slot), RunInfo> _slots = new();

    /// <summary>
    /// Before a launch: the run that is about to use this slot. A fast command can print (and its line be shipped)
    /// before <see cref="Started"/> has its pid; such a line is known by its slot.
    /// </summary>
    public void Reserve(string program, int slot, RunInfo run) => _slots[(program, slot)] = run;

    public void Started(int pid, RunInfo run)
    {
        foreach (var (oldPid, entry) in _runs)
        {
            if (entry.EndedAt != 0 && time.GetElapsedTime(entry.EndedAt) > KeepAfterEnd)
            {
                _runs.TryRemove(oldPid, out _);
            }
        }

        _runs[pid] = (run, 0);
    }

    public void Ended(int pid)
    {
        if (_runs.TryGetValue(pid, out var entry))
        {
            _runs[pid] = (entry.Run, time.GetTimestamp());
        }
    }

    /// <summary>
    /// The run a line of <paramref name="program"/>:<paramref name="slot"/> printed by <paramref name="pid"/> belongs to:
    /// by pid when known (exact, also for late lines of ended runs), else the slot's latest reservation.
    /// </summary>
    public RunInfo? Of(string program, int slot, int pid) =>
        _runs.TryGetValue(pid, out var entry) ? entry.Run : _slots.GetValueOrDefault((program, slot));
}
