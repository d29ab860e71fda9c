using System.Text.Json;
using Ops.Processes.Native;
using Ops.Processes.Orphans;
using Ops.Processes.Sampling;
using Ops.Processes.Tests.Support;
using Ops.Supervision.Os;

namespace Ops.Processes.Tests.Orphans;

public sealed class OrphanReaperTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly ProcessSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    private string GroupsDirectory => Path.Combine(_sandbox.Options.StateDirectory, "groups");

    [Fact]
    public async Task Reap_GroupLeftByPreviousDaemon_EndsWholeGroupAndDeletesRecord()
    {
        // The "previous daemon": starts a group that ignores SIGTERM, then forgets it without stopping it.
        string pidFile = _sandbox.PathFor("pids");
        IRunningProcess dropped = _sandbox.Start(Worker.Spec("web", "--ignore-term", "--grandchildren", "1", "--pid-file", pidFile, "--forever"));
        IReadOnlyList<int> pids = await Eventually.PidsAsync(pidFile, 2, Timeout);
        _sandbox.TrackPids(pids);
        string record = ProgramRecordPath("web", 0);
        Assert.True(File.Exists(record));

        var reaper = new OrphanReaper(_sandbox.Options);
        IReadOnlyList<EndedOrphanGroup> ended = await reaper.ReapAsync(
            program => new OrphanStopPolicy(LinuxConstants.SIGTERM, TimeSpan.FromMilliseconds(300)));

        EndedOrphanGroup group = Assert.Single(ended);
        Assert.Equal(("web", 0, dropped.Pid), (group.Program, group.Instance, group.Pgid));
        Assert.Equal(pids.Order(), group.Pids.Order());
        Assert.True(group.Killed);
        Assert.Empty(group.Survivors);
        Assert.All(pids, pid => Assert.False(ProcessTable.IsAlive(pid)));
        Assert.False(File.Exists(record));
        Assert.Equal(ProcessExit.Killed(LinuxConstants.SIGKILL), await dropped.Exited.WaitAsync(Timeout));
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public async Task Reap_GroupEndsOnStopSignal_NoSigkillNeeded()
    {
        IRunningProcess dropped = _sandbox.Start(Worker.Command("web", "sleep", "30"));
        Assert.True(await Eventually.TrueAsync(() => ProcessTable.IsAlive(dropped.Pid), Timeout));

        IReadOnlyList<EndedOrphanGroup> ended = await new OrphanReaper(_sandbox.Options).ReapAsync();

        EndedOrphanGroup group = Assert.Single(ended);
        Assert.False(group.Killed);
        Assert.Equal(LinuxConstants.SIGTERM, group.Signal);
        Assert.Equal(ProcessExit.Killed(LinuxConstants.SIGTERM), await dropped.Exited.WaitAsync(Timeout));
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Theory]
    [InlineData(1000L)]
    [InlineData(-1000L)]
    public Task Reap_RecordStartTimeDoesNotMatch_LeavesProcessAloneAndDeletesRecord(long startTimeShift) =>
        AssertRecordLeavesProcessAloneAsync((pid, stat) => new GroupRecord(
            "web", 0, pid, pid, (ulong)((long)stat.StartTime + startTimeShift), ProcessTable.ReadBootId(), 1, DateTimeOffset.UtcNow));

    [Fact]
    public Task Reap_LeaderStartedAfterTheRecordedWindow_LeavesProcessAloneAndDeletesRecord() =>
        AssertRecordLeavesProcessAloneAsync((pid, stat) => new GroupRecord(
            "web", 0, pid, pid, stat.StartTime - 50, ProcessTable.ReadBootId(), 1, DateTimeOffset.UtcNow, LatestStartTime: stat.StartTime - 1));

    [Fact]
    public Task Reap_RecordFromAnotherBoot_DeletedWithoutKilling() =>
        AssertRecordLeavesProcessAloneAsync((pid, stat) => new GroupRecord(
            "web", 0, pid, pid, stat.StartTime, Guid.NewGuid().ToString(), 1, DateTimeOffset.UtcNow));

    [Fact]
    public async Task Reap_UnreadableOrImplausibleRecords_DeletedWithoutKilling()
    {
        Directory.CreateDirectory(GroupsDirectory);
        await File.WriteAllTextAsync(Path.Combine(GroupsDirectory, "broken-0.json"), "{ not json");
        await File.WriteAllTextAsync(Path.Combine(GroupsDirectory, "x-0.json.0123.tmp"), "half a write");
        WriteRecord(new GroupRecord("init", 0, 1, 1, 0, ProcessTable.ReadBootId(), 1, DateTimeOffset.UtcNow));
        int ownGroup = Libc.getpgrp();
        WriteRecord(new GroupRecord("self", 0, ownGroup, ownGroup, 0, ProcessTable.ReadBootId(), 1, DateTimeOffset.UtcNow));

        IReadOnlyList<EndedOrphanGroup> ended = await new OrphanReaper(_sandbox.Options).ReapAsync();

        Assert.Empty(ended);
        Assert.Empty(RecordFiles());
    }

    [Fact]
    public async Task Reap_EndedRecords_RemovedWithoutKillingWhoeverHasTheirOldGroup()
    {
        // A record whose group ended is an empty (or blank) file; the group id it once named may be someone else's by now.
        IRunningProcess bystander = _sandbox.Start(Worker.Command("bystander", "sleep", "30") with { Supervised = false });
        Directory.CreateDirectory(GroupsDirectory);
        await File.WriteAllTextAsync(Path.Combine(GroupsDirectory, "web-0.json"), "");
        await File.WriteAllTextAsync(Path.Combine(GroupsDirectory, "task-copy-1.json"), new string(' ', 511) + "\n");

        IReadOnlyList<EndedOrphanGroup> ended = await new OrphanReaper(_sandbox.Options).ReapAsync();

        Assert.Empty(ended);
        Assert.Empty(RecordFiles());
        Assert.False(bystander.Exited.IsCompleted);
        bystander.Kill();
        await bystander.Exited.WaitAsync(TimeSpan.FromSeconds(10));
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public async Task Reap_PendingRecord_FindsTheGroupByItsLaunchTokenAndEndsIt()
    {
        // A daemon killed between the spawn and the record naming the pid left only the pending record: the group is
        // found by the token in its environment (the leader's and its grandchild's, which inherited it).
        string token = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        string pidFile = _sandbox.PathFor("pids");
        var spec = Worker.Spec("web", "--ignore-term", "--grandchildren", "1", "--pid-file", pidFile, "--forever") with
        {
            Supervised = false,
            Environment = new Dictionary<string, string> { [GroupRecord.LaunchTokenVariable] = token },
        };
        IRunningProcess dropped = _sandbox.Start(spec);
        IReadOnlyList<int> pids = await Eventually.PidsAsync(pidFile, 2, Timeout);
        _sandbox.TrackPids(pids);
        Assert.True(ProcessTable.TryRead(dropped.Pid, out ProcessStat stat));
        WriteRecord(new GroupRecord("web", 0, 0, 0, 0, ProcessTable.ReadBootId(), 1, DateTimeOffset.UtcNow, token));

        IReadOnlyList<EndedOrphanGroup> ended = await new OrphanReaper(_sandbox.Options).ReapAsync(
            program => new OrphanStopPolicy(LinuxConstants.SIGTERM, TimeSpan.FromMilliseconds(300)));

        EndedOrphanGroup group = Assert.Single(ended);
        Assert.Equal(("web", 0, dropped.Pid), (group.Program, group.Instance, group.Pgid));
        Assert.Equal(pids.Order(), group.Pids.Order());
        Assert.True(group.Killed);
        Assert.All(pids, pid => Assert.False(ProcessTable.IsAlive(pid)));
        Assert.Empty(RecordFiles());
        Assert.Equal(ProcessExit.Killed(LinuxConstants.SIGKILL), await dropped.Exited.WaitAsync(Timeout));
        Assert.True(stat.StartTime > 0);
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Reap_ProcessLeftTheRecordedGroup_EndedByTheLaunchTokenAndTheRecordGoesOnlyThen(bool groupAlive)
    {
        string pidFile = _sandbox.PathFor("pids");
        IRunningProcess dropped = _sandbox.Start(Worker.Spec("web", "--ignore-term", "--escape", "daemon", "--pid-file", pidFile, "--forever"));
        IReadOnlyList<int> pids = await Eventually.PidsAsync(pidFile, 2, Timeout);
        int escaped = Assert.Single(pids, pid => pid != dropped.Pid);
        if (!groupAlive)
        {
            // The recorded group is empty: only the token still names the escaped process (Kill would reach it too).
            Assert.Equal(0, Libc.kill(-dropped.Pid, LinuxConstants.SIGKILL));
            await dropped.Exited.WaitAsync(Timeout);
        }

        string record = ProgramRecordPath("web", 0);
        IReadOnlyList<EndedOrphanGroup> ended = await new OrphanReaper(_sandbox.Options).ReapAsync(
            program => new OrphanStopPolicy(LinuxConstants.SIGTERM, TimeSpan.FromMilliseconds(300)));

        EndedOrphanGroup group = Assert.Single(ended);
        Assert.Contains(escaped, group.Pids);
        Assert.True(group.Killed);
        Assert.Empty(group.Survivors);
        // A sweep counts a SIGKILLed carrier as gone once it is in the kernel's exit path (see TokenSweep): a
        // multi-threaded one may take a moment there before it is a zombie.
        Assert.True(await Eventually.TrueAsync(() => !ProcessTable.IsAlive(escaped), TimeSpan.FromSeconds(2)), $"escaped pid {escaped} outlived the orphan cleanup");
        Assert.False(File.Exists(record));
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public async Task Reap_PendingRecordNobodyCarries_DeletedWithoutKilling()
    {
        // The daemon died before the spawn, or the child already ended: nothing has the token.
        IRunningProcess bystander = _sandbox.Start(Worker.Command("web", "sleep", "30") with
        {
            Supervised = false,
            Environment = new Dictionary<string, string> { [GroupRecord.LaunchTokenVariable] = "0123456789abcdef0123456789abcdef" },
        });
        WriteRecord(new GroupRecord("web", 0, 0, 0, 0, ProcessTable.ReadBootId(), 1, DateTimeOffset.UtcNow, "fedcba9876543210fedcba9876543210"));

        IReadOnlyList<EndedOrphanGroup> ended = await new OrphanReaper(_sandbox.Options).ReapAsync();

        Assert.Empty(ended);
        Assert.Empty(RecordFiles());
        Assert.False(bystander.Exited.IsCompleted);
        bystander.Kill();
        await bystander.Exited.WaitAsync(Timeout);
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Theory]
    [InlineData("web-0.json", "web")]
    [InlineData("task-copy-1.json", "task-copy")]
    public async Task Reap_RecordInTheFormOfAnOlderDaemon_FoundAndEnded(string file, string program)
    {
        // An opsd before the per-kind folders wrote groups/<program>-<instance>.json, task runs as "task-<name>", and
        // no kind: the first start after an upgrade must still end what that daemon left running.
        string pidFile = _sandbox.PathFor("pids");
        IRunningProcess dropped = _sandbox.Start(Worker.Spec(program, "--ignore-term", "--pid-file", pidFile, "--forever") with { Supervised = false });
        _sandbox.TrackPids(await Eventually.PidsAsync(pidFile, 1, Timeout));
        Assert.True(ProcessTable.TryRead(dropped.Pid, out ProcessStat stat));
        Directory.CreateDirectory(GroupsDirectory);
        string record = Path.Combine(GroupsDirectory, file);
        await File.WriteAllTextAsync(record, $$"""
            {
              "program": "{{program}}",
              "instance": 1,
              "pid": {{dropped.Pid}},
              "pgid": {{dropped.Pid}},
              "startTime": {{stat.StartTime}},
              "bootId": "{{ProcessTable.ReadBootId()}}",
              "daemonPid": 1,
              "startedAt": "2026-01-01T00:00:00+00:00"
            }
            """);

        IReadOnlyList<EndedOrphanGroup> ended = await new OrphanReaper(_sandbox.Options).ReapAsync(
            program => new OrphanStopPolicy(LinuxConstants.SIGTERM, TimeSpan.FromMilliseconds(300)));

        EndedOrphanGroup group = Assert.Single(ended);
        Assert.Equal((program, 1, LaunchOwnerKind.Program, dropped.Pid), (group.Program, group.Instance, group.Kind, group.Pgid));
        Assert.True(group.Killed);
        Assert.Empty(group.Survivors);
        Assert.False(File.Exists(record));
        Assert.Equal(ProcessExit.Killed(LinuxConstants.SIGKILL), await dropped.Exited.WaitAsync(Timeout));
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public async Task Reap_TaskRunRecord_EndedWithTheDefaultPolicyNotAProgramsOfTheSameName()
    {
        // A program may be named like a task: the policy asked for by program name is never applied to a task run.
        var owner = new RunSlotId("web", 0);
        IRunningProcess dropped = _sandbox.Start(Worker.Command("web", "sleep", "30") with { Owner = owner });
        Assert.True(File.Exists(Path.Combine(GroupsDirectory, "tasks", "web", "0.json")));
        var asked = new List<string>();

        IReadOnlyList<EndedOrphanGroup> ended = await new OrphanReaper(_sandbox.Options).ReapAsync(program =>
        {
            asked.Add(program);
            return new OrphanStopPolicy(LinuxConstants.SIGKILL, TimeSpan.FromSeconds(1));
        });

        EndedOrphanGroup group = Assert.Single(ended);
        Assert.Equal(("web", 0, LaunchOwnerKind.Task), (group.Program, group.Instance, group.Kind));
        Assert.Empty(asked);
        Assert.Equal(LinuxConstants.SIGTERM, group.Signal);
        Assert.Equal(ProcessExit.Killed(LinuxConstants.SIGTERM), await dropped.Exited.WaitAsync(Timeout));
        Assert.Empty(RecordFiles());
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public async Task Reap_NoStateDirectory_ReturnsNothing()
    {
        IReadOnlyList<EndedOrphanGroup> ended = await new OrphanReaper(_sandbox.Options).ReapAsync();

        Assert.Empty(ended);
    }

    /// <summary>
    /// An unrelated process that happens to have the recorded pid and group (started here without a record of its
    /// own) under a record made by <paramref name="record"/>: the reaper deletes the record and leaves the process alone.
    /// </summary>
    private async Task AssertRecordLeavesProcessAloneAsync(Func<int, ProcessStat, GroupRecord> record)
    {
        IRunningProcess unrelated = _sandbox.Start(Worker.Command("web", "sleep", "30") with { Supervised = false });
        Assert.True(ProcessTable.TryRead(unrelated.Pid, out ProcessStat stat));
        WriteRecord(record(unrelated.Pid, stat));

        IReadOnlyList<EndedOrphanGroup> ended = await new OrphanReaper(_sandbox.Options).ReapAsync();

        Assert.Empty(ended);
        Assert.True(ProcessTable.IsAlive(unrelated.Pid));
        Assert.Empty(RecordFiles());
        unrelated.Kill();
        await unrelated.Exited.WaitAsync(Timeout);
        await _sandbox.AssertNoProcessLeftAsync();
    }

    /// <summary>Where the launcher keeps the record of a program's instance.</summary>
    private string ProgramRecordPath(string program, int instance) =>
        Path.Combine(GroupsDirectory, "programs", program, $"{instance}.json");

    /// <summary>Every file below the records' folder, in every kind's folder and beside them.</summary>
    private string[] RecordFiles() =>
        Directory.Exists(GroupsDirectory) ? Directory.GetFiles(GroupsDirectory, "*", SearchOption.AllDirectories) : [];

    /// <summary>Writes <paramref name="record"/> where this daemon's launcher would (its kind's folder).</summary>
    private void WriteRecord(GroupRecord record)
    {
        string path = record.Kind == LaunchOwnerKind.Task
            ? Path.Combine(GroupsDirectory, "tasks", record.Name, $"{record.Index}.json")
            : ProgramRecordPath(record.Name, record.Index);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, JsonSerializer.Serialize(record, GroupRecordJsonContext.Default.GroupRecord));
    }
}
