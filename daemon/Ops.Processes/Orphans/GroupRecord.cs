using System.Text.Json.Serialization;
using Ops.Supervision.Os;

namespace Ops.Processes.Orphans;

/// <summary>
/// What a daemon writes when it starts a supervised group, so that the next daemon can end the group if this one
/// dies without stopping it. The boot id and the leader's start time make the record specific to one process:
/// after a reboot, or once the pid has been recycled, it names nothing to kill.
/// </summary>
/// <param name="Name">The program, or the task of a task-run slot (see <paramref name="Kind"/>); JSON <c>program</c>.</param>
/// <param name="Index">The instance, or the run slot; JSON <c>instance</c>.</param>
/// <param name="Pid">The leader's pid.</param>
/// <param name="Pgid">The process group (equal to the leader's pid).</param>
/// <param name="StartTime">
/// The leader's start time, field 22 of /proc/&lt;pid&gt;/stat (clock ticks after boot), or the earliest it can be: a
/// launch reads the boot clock just before the spawn instead of reading /proc after it.
/// </param>
/// <param name="BootId">/proc/sys/kernel/random/boot_id when the group started.</param>
/// <param name="DaemonPid">The pid of the daemon that started it.</param>
/// <param name="StartedAt">Wall-clock start, for operators reading the file.</param>
/// <param name="LaunchToken">
/// A random token the launch put into the child's environment as <see cref="LaunchTokenVariable"/>. A record written
/// just before the spawn has the token and no pid yet (<see cref="IsPending"/>): a daemon killed between the spawn and
/// the record naming the pid leaves that, and the next daemon finds the group by the token in /proc/*/environ.
/// </param>
/// <param name="LatestStartTime">
/// The latest the leader can have started (the boot clock right after the spawn); 0 when <see cref="StartTime"/> is
/// exact (records of earlier daemons, groups found by their token).
/// </param>
/// <param name="Kind">
/// What the launch belonged to. Records of earlier daemons have none and read as programs (their task runs were
/// named <c>task-&lt;name&gt;</c>): that only shows in the log, the record is reaped all the same.
/// </param>
public sealed record GroupRecord(
    [property: JsonPropertyName("program")] string Name,
    [property: JsonPropertyName("instance")] int Index,
    int Pid,
    int Pgid,
    ulong StartTime,
    string BootId,
    int DaemonPid,
    DateTimeOffset StartedAt,
    string? LaunchToken = null,
    ulong LatestStartTime = 0,
    LaunchOwnerKind Kind = LaunchOwnerKind.Program)
{
    /// <summary>The environment variable every supervised child gets its launch token in.</summary>
    public const string LaunchTokenVariable = "OPS_LAUNCH_TOKEN";

    /// <summary>Written before the spawn: the launch's token is known, its pid is not.</summary>
    [JsonIgnore]
    public bool IsPending => Pgid == 0 && !string.IsNullOrEmpty(LaunchToken);

    /// <summary>The record of a launch of <paramref name="owner"/>; the rest as in the constructor.</summary>
    public static GroupRecord Of(LaunchOwner owner, int pid, ulong startTime, string bootId, int daemonPid, DateTimeOffset startedAt, string? launchToken = null, ulong latestStartTime = 0) =>
        new(owner.Name, owner.Index, pid, pid, startTime, bootId, daemonPid, startedAt, launchToken, latestStartTime, owner.Kind);

    /// <summary>"program web:1" or "task x slot 1" (an old daemon's task run reads "program task-x:1"), for the log.</summary>
    [JsonIgnore]
    public string Owner => LaunchOwner.Describe(Kind, Name, Index);

    /// <summary>True when a process that started at <paramref name="startTime"/> can be the recorded leader.</summary>
    public bool LeaderStartedAt(ulong startTime) =>
        startTime >= StartTime && startTime <= Math.Max(StartTime, LatestStartTime);
}

/// <summary>Source-generated JSON for <see cref="GroupRecord"/> (no reflection, trimming-safe).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true, UseStringEnumConverter = true)]
[JsonSerializable(typeof(GroupRecord))]
internal sealed partial class GroupRecordJsonContext : JsonSerializerContext;
