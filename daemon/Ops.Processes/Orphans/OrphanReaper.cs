using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Ops.Processes.Launching;
using Ops.Processes.Sampling;
using Ops.Processes.Stopping;
using Ops.Supervision.Os;

namespace Ops.Processes.Orphans;

/// <summary>
/// Ends the process groups a previous daemon left running (it died without stopping them), from the orphan records
/// in the state directory. Run once at daemon start, before anything is started, so there are never two copies of
/// an instance. A record only ever leads to a kill when the processes it finds are provably the ones it recorded:
/// same boot, and a group whose members started no earlier than the recorded leader (a recycled pid or group id
/// belongs to a later process). Processes that left the group are found by the record's launch token in their
/// environment (<see cref="TokenSweep"/>), which no other process can carry. The orphans are not our children, so
/// they are never waited for with waitpid; the process table tells when they are gone.
/// </summary>
public sealed partial class OrphanReaper
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    private readonly GroupRecordStore _records;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates a reaper over the records in <see cref="ProcessOptions.StateDirectory"/>.</summary>
    public OrphanReaper(ProcessOptions options, TimeProvider? timeProvider = null, ILogger<OrphanReaper>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _records = new GroupRecordStore(options.StateDirectory);
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger<OrphanReaper>.Instance;
    }

    /// <summary>
    /// Ends every recorded group that is still running, and every process that carries a record's launch token
    /// outside its group, and deletes the records. All are stopped at once, each with the signal and timeout
    /// <paramref name="stopPolicy"/> gives for the program it names (task runs, and every record when it is null,
    /// get <see cref="OrphanStopPolicy.Default"/>: SIGTERM, 5 s), then SIGKILL. A record stays until
    /// its group and its token's carriers are gone. Returns the groups that were ended.
    /// </summary>
    public async Task<IReadOnlyList<EndedOrphanGroup>> ReapAsync(
        Func<string, OrphanStopPolicy>? stopPolicy = null,
        CancellationToken cancellationToken = default)
    {
        string bootId = ProcessTable.ReadBootId();
        var records = new List<(string Path, GroupRecord Record, OrphanStopPolicy Policy)>();
        foreach ((string path, GroupRecord? record) in _records.ReadAll())
        {
            if (record is null)
            {
                LogUnreadableRecord(_logger, path);
                File.Delete(path);
            }
            else if (!string.Equals(record.BootId, bootId, StringComparison.Ordinal))
            {
                // Everything that record named died with the previous boot.
                File.Delete(path);
            }
            else if (!record.IsPending && (record.Pgid <= 1 || ProcessGroups.IsOwnGroup(record.Pgid) || record.Pid != record.Pgid))
            {
                LogImplausibleRecord(_logger, path, record.Pgid);
                File.Delete(path);
            }
            else
            {
                records.Add((path, record, record.Kind == LaunchOwnerKind.Program && stopPolicy is not null ? stopPolicy(record.Name) : OrphanStopPolicy.Default));
            }
        }

        // One sweep over /proc finds the carriers of every record's token at once.
        var tokens = records.Select(r => r.Record.LaunchToken).OfType<string>().Where(t => t.Length > 0).ToHashSet(StringComparer.Ordinal);
        Dictionary<string, List<int>> carriers = TokenSweep.Find(tokens);

        var stops = new List<Task<EndedOrphanGroup?>>();
        foreach ((string path, GroupRecord record, OrphanStopPolicy policy) in records)
        {
            IReadOnlyList<int> found = record.LaunchToken is { Length: > 0 } token ? carriers.GetValueOrDefault(token) ?? [] : [];
            if (!record.IsPending)
            {
                stops.Add(StopAsync(path, record, found, policy, cancellationToken));
                continue;
            }

            // The daemon died between writing the record and learning the pid (or before the spawn at all).
            IReadOnlyList<GroupRecord> groups = ResolvePending(record, found);
            if (groups.Count == 0)
            {
                File.Delete(path);
                continue;
            }

            // The first group's stop follows the token's carriers; the others only end their own groups.
            stops.Add(StopAsync(path, groups[0], found, policy, cancellationToken));
            stops.AddRange(groups.Skip(1).Select(group => StopAsync(path, group with { LaunchToken = null }, [], policy, cancellationToken)));
        }

        EndedOrphanGroup?[] results = await Task.WhenAll(stops).ConfigureAwait(false);
        return [.. results.OfType<EndedOrphanGroup>()];
    }

    /// <summary>
    /// The processes of the recorded group that are provably the recorded ones. If a process still has the leader's
    /// pid, it must have the leader's start time, or the pid was recycled and the whole group is someone else's.
    /// Otherwise the members must have started no earlier than the leader (a group id stays taken while any member
    /// lives, so a later group with the same id can only start after ours ended).
    /// </summary>
    internal static IReadOnlyList<int> FindRecordedMembers(GroupRecord record)
    {
        var members = ProcessTable.Snapshot().Where(p => p.GroupId == record.Pgid && !p.IsZombie).ToList();
        if (members.Exists(p => p.Pid == record.Pgid && !record.LeaderStartedAt(p.StartTime)))
        {
            return [];
        }

        return [.. members.Where(p => p.StartTime >= record.StartTime).Select(p => p.Pid)];
    }

    /// <summary>
    /// The groups of a pending record's token carriers (the child, and whatever it started that kept its environment),
    /// each as a complete record. The group's leader, if it still runs, gives the start time; else the earliest token
    /// holder in the group does.
    /// </summary>
    internal static IReadOnlyList<GroupRecord> ResolvePending(GroupRecord pending, IReadOnlyList<int> carriers)
    {
        var holders = new List<ProcessStat>();
        foreach (int pid in carriers)
        {
            if (ProcessTable.TryRead(pid, out ProcessStat stat) && !stat.IsZombie && stat.GroupId > 1 && !ProcessGroups.IsOwnGroup(stat.GroupId))
            {
                holders.Add(stat);
            }
        }

        return
        [
            .. holders.GroupBy(p => p.GroupId).OrderBy(group => group.Min(p => p.StartTime)).Select(group =>
            {
                ulong startTime = group.FirstOrDefault(p => p.Pid == group.Key) is { Pid: > 0 } leader
                    ? leader.StartTime
                    : group.Min(p => p.StartTime);
                return pending with { Pid = group.Key, Pgid = group.Key, StartTime = startTime };
            }),
        ];
    }

    /// <summary>
    /// Ends one recorded launch: its group (the members <see cref="FindRecordedMembers"/> proves are the recorded ones)
    /// and the carriers of its token, wherever they went; StopSignal, the timeout, SIGKILL.
    /// </summary>
    private async Task<EndedOrphanGroup?> StopAsync(
        string path, GroupRecord record, IReadOnlyList<int> carriers, OrphanStopPolicy policy, CancellationToken cancellationToken)
    {
        IReadOnlyList<int> members = FindRecordedMembers(record);
        IReadOnlyList<int> pids = [.. members.Union(carriers).Order()];

        // A proven group gets its signals as a group; carriers outside it one by one.
        LaunchCarriers? launch = record.LaunchToken is { Length: > 0 } token
            ? new LaunchCarriers(token, 0, members.Count > 0 ? record.Pgid : 0)
            : null;
        if (pids.Count == 0)
        {
            File.Delete(path);
            return null;
        }

        LogStoppingOrphan(_logger, record.Owner, record.Pgid, string.Join(",", pids), record.DaemonPid);
        var target = new OrphanStopTarget(record, members, carriers, launch, _time);
        StopOutcome outcome = await StopSequence.RunAsync(target, policy.Signal, policy.Timeout, cancellationToken).ConfigureAwait(false);
        if (outcome.Gone)
        {
            File.Delete(path);
            LogEnded(_logger, record.Owner, record.Pgid, outcome.Ending == StopEnding.GoneAfterKill ? "SIGKILL" : "stop signal");
        }
        else
        {
            LogSurvivors(_logger, record.Owner, record.Pgid, string.Join(",", outcome.Survivors));
        }

        return new EndedOrphanGroup(
            record.Name, record.Index, record.Kind, record.Pgid, pids, policy.Signal, outcome.Ending != StopEnding.GoneAfterSignal, outcome.Survivors);
    }

    /// <summary>
    /// One recorded launch as <see cref="StopSequence"/> sees it. Only a group proven to be the recorded one is
    /// signalled as a group; the carriers prove themselves by the token. Orphans are not our children, so the process
    /// table, polled, tells when they are gone.
    /// </summary>
    private sealed class OrphanStopTarget(
        GroupRecord record, IReadOnlyList<int> members, IReadOnlyList<int> carriers, LaunchCarriers? launch, TimeProvider time) : IStopTarget
    {
        private bool _signalled;

        public void Signal(int signal)
        {
            if (!_signalled)
            {
                // The first signal goes to the carriers the start's one sweep found (a second sweep per record would
                // read every process again); members of a proven group get theirs with the group, not twice.
                _signalled = true;
                if (members.Count > 0)
                {
                    _ = ProcessGroups.Signal(record.Pgid, signal);
                }

                launch?.BeginStage(signal);
                _ = launch?.Sweep([.. carriers.Except(members)]);
                return;
            }

            if (FindRecordedMembers(record).Count > 0)
            {
                _ = ProcessGroups.Signal(record.Pgid, signal);
            }

            _ = launch?.Signal(signal);
        }

        public async Task<bool> WaitGoneAsync(TimeSpan timeout, CancellationToken cancellationToken)
        {
            long started = time.GetTimestamp();
            while (true)
            {
                if (Remaining().Count == 0)
                {
                    return true;
                }

                if (time.GetElapsedTime(started) >= timeout)
                {
                    return false;
                }

                await Task.Delay(PollInterval, time, cancellationToken).ConfigureAwait(false);
            }
        }

        public IReadOnlyList<int> Remaining()
        {
            // The group first; the sweep for carriers (which also signals new ones) once it is empty.
            IReadOnlyList<int> left = FindRecordedMembers(record);
            return left.Count == 0 && launch is not null ? launch.Sweep() : left;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Orphan record {Path} is unreadable; deleted it")]
    private static partial void LogUnreadableRecord(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Orphan record {Path} names process group {Pgid}, which cannot be a group Ops started; deleted it")]
    private static partial void LogImplausibleRecord(ILogger logger, string path, int pgid);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ending orphaned {Owner} (process group {Pgid}, pids {Pids}) left by daemon pid {DaemonPid}")]
    private static partial void LogStoppingOrphan(ILogger logger, string owner, int pgid, string pids, int daemonPid);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ended orphaned {Owner} (process group {Pgid}) by {How}")]
    private static partial void LogEnded(ILogger logger, string owner, int pgid, string how);

    [LoggerMessage(Level = LogLevel.Error, Message = "Orphaned {Owner} (process group {Pgid}) survived SIGKILL: pids {Pids}; the record is kept and the next start tries again")]
    private static partial void LogSurvivors(ILogger logger, string owner, int pgid, string pids);
}
