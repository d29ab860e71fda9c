using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Ops.Processes.Launching;
using Ops.Processes.Native;
using Ops.Processes.Sampling;

namespace Ops.Processes.Orphans;

/// <summary>
/// Ends the process groups a previous daemon left running (it died without stopping them), from the orphan records
/// in the state directory. Run once at daemon start, before anything is started, so there are never two copies of
/// an instance. A record only ever leads to a kill when the processes it finds are provably the ones it recorded:
/// same boot, and a group whose members started no earlier than the recorded leader (a recycled pid or group id
/// belongs to a later process). The orphans are not our children, so they are never waited for with waitpid; the
/// process table tells when they are gone.
/// </summary>
public sealed partial class OrphanReaper
{
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan s_killWait = TimeSpan.FromSeconds(5);

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
    /// Ends every recorded group that is still running and deletes the records. All groups are stopped at once, each
    /// with the signal and timeout <paramref name="stopPolicy"/> gives for its program (default SIGTERM, 5 s), then
    /// SIGKILL. Returns the groups that were ended.
    /// </summary>
    public async Task<IReadOnlyList<EndedOrphanGroup>> ReapAsync(
        Func<string, OrphanStopPolicy>? stopPolicy = null,
        CancellationToken cancellationToken = default)
    {
        string bootId = ProcessTable.ReadBootId();
        var stops = new List<Task<EndedOrphanGroup?>>();
        foreach ((string path, GroupRecord? record) in _records.ReadAll())
        {
            if (record is null)
            {
                LogUnreadableRecord(_logger, path);
                File.Delete(path);
                continue;
            }

            if (!string.Equals(record.BootId, bootId, StringComparison.Ordinal))
            {
                // Everything that record named died with the previous boot.
                File.Delete(path);
                continue;
            }

            OrphanStopPolicy policy = stopPolicy?.Invoke(record.Program) ?? OrphanStopPolicy.Default;
            if (record.IsPending)
            {
                // The daemon died between writing the record and learning the pid (or before the spawn at all).
                IReadOnlyList<GroupRecord> found = ResolvePending(record);
                if (found.Count == 0)
                {
                    File.Delete(path);
                }

                stops.AddRange(found.Select(group => StopAsync(path, group, policy, cancellationToken)));
                continue;
            }

            if (record.Pgid <= 1 || ProcessGroups.IsOwnGroup(record.Pgid) || record.Pid != record.Pgid)
            {
                LogImplausibleRecord(_logger, path, record.Pgid);
                File.Delete(path);
                continue;
            }

            stops.Add(StopAsync(path, record, policy, cancellationToken));
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
    /// The groups of a pending record: every process whose environment carries the record's launch token (the child,
    /// and whatever it started that kept its environment), by process group, each as a complete record. The group's
    /// leader, if it still runs, gives the start time; else the earliest token holder in the group does.
    /// </summary>
    internal static IReadOnlyList<GroupRecord> ResolvePending(GroupRecord pending)
    {
        byte[] entry = System.Text.Encoding.UTF8.GetBytes($"{GroupRecord.LaunchTokenVariable}={pending.LaunchToken}");
        int self = Environment.ProcessId;
        var holders = ProcessTable.Snapshot()
            .Where(p => p.Pid != self && !p.IsZombie && p.GroupId > 1 && !ProcessGroups.IsOwnGroup(p.GroupId) && CarriesEntry(p.Pid, entry))
            .ToList();
        return
        [
            .. holders.GroupBy(p => p.GroupId).Select(group =>
            {
                ulong startTime = group.FirstOrDefault(p => p.Pid == group.Key) is { Pid: > 0 } leader
                    ? leader.StartTime
                    : group.Min(p => p.StartTime);
                return pending with { Pid = group.Key, Pgid = group.Key, StartTime = startTime };
            }),
        ];
    }

    /// <summary>True when <c>/proc/&lt;pid&gt;/environ</c> holds <paramref name="entry"/> as one whole NAME=value entry.</summary>
    private static bool CarriesEntry(int pid, byte[] entry)
    {
        byte[] environment;
        try
        {
            environment = File.ReadAllBytes(string.Create(CultureInfo.InvariantCulture, $"/proc/{pid}/environ"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Gone, or not ours to read (another user's process, when opsd is not root): not one of our launches.
            return false;
        }

        foreach (Range range in environment.AsSpan().Split((byte)0))
        {
            if (environment.AsSpan(range).SequenceEqual(entry))
            {
                return true;
            }
        }

        return false;
    }

    private async Task<EndedOrphanGroup?> StopAsync(string path, GroupRecord record, OrphanStopPolicy policy, CancellationToken cancellationToken)
    {
        IReadOnlyList<int> pids = FindRecordedMembers(record);
        if (pids.Count == 0)
        {
            File.Delete(path);
            return null;
        }

        LogStoppingOrphan(_logger, record.Program, record.Instance, record.Pgid, string.Join(",", pids), record.DaemonPid);
        _ = ProcessGroups.Signal(record.Pgid, policy.Signal);
        bool killed = false;
        IReadOnlyList<int> survivors = await WaitUntilGoneAsync(record, policy.Timeout, cancellationToken).ConfigureAwait(false);
        if (survivors.Count > 0)
        {
            killed = true;
            _ = ProcessGroups.Signal(record.Pgid, LinuxConstants.SIGKILL);
            survivors = await WaitUntilGoneAsync(record, s_killWait, cancellationToken).ConfigureAwait(false);
        }

        if (survivors.Count == 0)
        {
            File.Delete(path);
        }
        else
        {
            LogSurvivors(_logger, record.Program, record.Instance, record.Pgid, string.Join(",", survivors));
        }

        return new EndedOrphanGroup(record.Program, record.Instance, record.Pgid, pids, policy.Signal, killed, survivors);
    }

    private async Task<IReadOnlyList<int>> WaitUntilGoneAsync(GroupRecord record, TimeSpan timeout, CancellationToken cancellationToken)
    {
        long started = _time.GetTimestamp();
        while (true)
        {
            IReadOnlyList<int> left = FindRecordedMembers(record);
            if (left.Count == 0 || _time.GetElapsedTime(started) >= timeout)
            {
                return left;
            }

            await Task.Delay(s_pollInterval, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Orphan record {Path} is unreadable; deleted it")]
    private static partial void LogUnreadableRecord(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Orphan record {Path} names process group {Pgid}, which cannot be a group Ops started; deleted it")]
    private static partial void LogImplausibleRecord(ILogger logger, string path, int pgid);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ending orphaned {Program}:{Instance} (process group {Pgid}, pids {Pids}) left by daemon pid {DaemonPid}")]
    private static partial void LogStoppingOrphan(ILogger logger, string program, int instance, int pgid, string pids, int daemonPid);

    [LoggerMessage(Level = LogLevel.Error, Message = "Orphaned {Program}:{Instance} (process group {Pgid}) survived SIGKILL: pids {Pids}; the record is kept and the next start tries again")]
    private static partial void LogSurvivors(ILogger logger, string program, int instance, int pgid, string pids);
}
