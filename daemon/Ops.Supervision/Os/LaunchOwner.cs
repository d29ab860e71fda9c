using System.Globalization;

namespace Ops.Supervision.Os;

/// <summary>What a launch belongs to: a program's instance or a task's run slot.</summary>
public enum LaunchOwnerKind
{
    /// <summary>An instance of a supervised program (<see cref="InstanceId"/>).</summary>
    Program,

    /// <summary>A run slot of a task (<see cref="RunSlotId"/>).</summary>
    Task,
}

/// <summary>
/// The owner of a launch, of one of two kinds that never share a namespace: the edge keeps each kind's orphan
/// records and output files in a folder of its own (<see cref="Folder"/>), so program <c>task-x</c> and task
/// <c>x</c> cannot meet. Made from an <see cref="InstanceId"/> or a <see cref="RunSlotId"/> (implicitly).
/// </summary>
public readonly record struct LaunchOwner
{
    private LaunchOwner(LaunchOwnerKind kind, string name, int index) => (Kind, Name, Index) = (kind, name, index);

    /// <summary>Program instance or task-run slot.</summary>
    public LaunchOwnerKind Kind { get; }

    /// <summary>The program or the task.</summary>
    public string Name { get; }

    /// <summary>The instance or the slot.</summary>
    public int Index { get; }

    /// <summary>The folder of this kind, below the state and log directories: <c>programs</c> or <c>tasks</c>.</summary>
    public string Folder => Kind == LaunchOwnerKind.Program ? "programs" : "tasks";

    /// <summary>
    /// The Program property of log events about this launch and of its output lines: the program, or
    /// <c>task-&lt;name&gt;</c> for a task run as before, so existing Seq queries keep working (task events also
    /// carry Task, which tells the two apart).
    /// </summary>
    public string LogName => Kind == LaunchOwnerKind.Program ? Name : "task-" + Name;

    /// <summary>An instance's owner.</summary>
    public static implicit operator LaunchOwner(InstanceId instance) => new(LaunchOwnerKind.Program, instance.Program, instance.Index);

    /// <summary>A task-run slot's owner.</summary>
    public static implicit operator LaunchOwner(RunSlotId slot) => new(LaunchOwnerKind.Task, slot.Task, slot.Slot);

    /// <summary>An instance's owner (the named form of the implicit conversion).</summary>
    public static LaunchOwner FromInstanceId(InstanceId instance) => instance;

    /// <summary>A task-run slot's owner (the named form of the implicit conversion).</summary>
    public static LaunchOwner FromRunSlotId(RunSlotId slot) => slot;

    /// <summary>"program web:1" or "task x slot 1", to begin a message with.</summary>
    public override string ToString() => Describe(Kind, Name, Index);

    /// <summary>What <see cref="ToString"/> says, for an owner known only by its parts (an orphan record's).</summary>
    public static string Describe(LaunchOwnerKind kind, string name, int index) => kind == LaunchOwnerKind.Program
        ? string.Create(CultureInfo.InvariantCulture, $"program {name}{InstanceId.Separator}{index}")
        : string.Create(CultureInfo.InvariantCulture, $"task {name} slot {index}");
}
