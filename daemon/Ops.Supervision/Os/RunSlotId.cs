namespace Ops.Supervision.Os;

/// <summary>
/// One run slot of a task on this host: the runs of task <c>x</c> take slots 0, 1, ... (at most its queue's
/// workers at once), and a slot is reused by the task's next run. A kind of its own, so no program name can stand
/// for it (a program may well be named <c>task-x</c>).
/// </summary>
public readonly record struct RunSlotId
{
    /// <summary>Creates the id of run slot <paramref name="slot"/> of task <paramref name="task"/>.</summary>
    /// <exception cref="ArgumentException">The task name is empty or not a name by DESIGN.md's rule.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The slot is negative.</exception>
    public RunSlotId(string task, int slot)
    {
        if (!InstanceId.IsProgramName(task))
        {
            throw new ArgumentException($"'{task}' is not a task name ([a-z0-9][a-z0-9_-]*)", nameof(task));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        Task = task;
        Slot = slot;
    }

    /// <summary>The task name.</summary>
    public string Task { get; }

    /// <summary>The 0-based run slot.</summary>
    public int Slot { get; }

    /// <summary>"task x slot 1": for messages; nothing parses it.</summary>
    public override string ToString() => LaunchOwner.Describe(LaunchOwnerKind.Task, Task, Slot);
}
