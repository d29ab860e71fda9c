using System.Diagnostics;
using System.Text.Json;
using Ops.Processes.Native;
using Ops.Processes.Orphans;
using Ops.Processes.Sampling;
using Ops.Processes.Tests.Support;
using Ops.Supervision;
using Ops.Supervision.Os;

namespace Ops.Processes.Tests.Launching;

public sealed class LinuxProcessLauncherTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly ProcessSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    public async Task Start_ChildExitsWithCode_ExitedReportsCode()
    {
        IRunningProcess process = _sandbox.Start(Worker.Spec("web", "--exit", "3"));

        ProcessExit exit = await process.Exited.WaitAsync(Timeout);

        Assert.Equal(ProcessExit.Exited(3), exit);
        Assert.Equal("exit 3", exit.Describe());
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public async Task Start_ChildKilledBySignal_ExitedReportsSignal()
    {
        IRunningProcess process = _sandbox.Start(Worker.Command("web", "sleep", "30"));
        await WaitUntilRunningAsync(process);

        process.Signal(LinuxConstants.SIGTERM);
        ProcessExit exit = await process.Exited.WaitAsync(Timeout);

        Assert.Equal(ProcessExit.Killed(LinuxConstants.SIGTERM), exit);
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public async Task Exited_ChildKilled_CompletesPromptlyAsAnEvent()
    {
        // The median of several kills: an event arrives in a few milliseconds, a polling loop would show its period,
        // and one scheduling hiccup on a busy 2-core machine must not fail the test.
        var latencies = new List<TimeSpan>();
        for (int round = 0; round < 5; round++)
        {
            IRunningProcess process = _sandbox.Start(Worker.Spec("web", "--print-pid", "--forever"));
            await WaitForLineAsync(process, OutputStream.Stdout, $"pid {process.Pid}");
            Assert.False(process.Exited.IsCompleted);

            var clock = Stopwatch.StartNew();
            process.Kill();
            ProcessExit exit = await process.Exited.WaitAsync(Timeout);
            latencies.Add(clock.Elapsed);

            Assert.Equal(ProcessExit.Killed(LinuxConstants.SIGKILL), exit);
        }

        TimeSpan median = latencies.Order().ElementAt(latencies.Count / 2);
        Assert.True(median < TimeSpan.FromMilliseconds(100), "exit latencies: " + string.Join(", ", latencies.Select(l => l.TotalMilliseconds)));
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public async Task Start_Child_LeadsItsOwnSessionAndProcessGroup()
    {
        IRunningProcess process = _sandbox.Start(Worker.Command("web", "sleep", "30"));
        await WaitUntilRunningAsync(process);

        Assert.True(ProcessTable.TryRead(process.Pid, out ProcessStat stat));
        Assert.Equal(process.Pid, stat.GroupId);
        Assert.Equal(process.Pid, stat.SessionId);
        Assert.Equal(Environment.ProcessId, stat.ParentPid);

        process.Kill();
        await process.Exited.WaitAsync(Timeout);
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public async Task Start_Child_HasDefaultSignalDispositionsAndEmptyMask()
    {
        // The runtime ignores SIGPIPE; a child inheriting that would never die of a broken pipe.
        IRunningProcess process = _sandbox.Start(Worker.Command("web", "sleep", "30"));
        await WaitUntilRunningAsync(process);

        string[] status = await File.ReadAllLinesAsync($"/proc/{process.Pid}/status");

        // Bits 0..30 are signals 1..31. glibc's spawn leaves its own internal signals 32 and 33 ignored in every
        // child (sigaddset refuses them), and the program's libc takes them over; they are not ours to reset.
        const ulong ClassicSignals = 0x7FFF_FFFF;
        Assert.Equal(0UL, SignalMask(status, "SigIgn:") & ClassicSignals);
        Assert.Equal(0UL, SignalMask(status, "SigBlk:"));
        process.Kill();
        await process.Exited.WaitAsync(Timeout);
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public async Task Stop_LeaderAndGrandchildrenIgnoreTerm_KillEndsWholeGroupWithinTimeout()
    {
        string pidFile = _sandbox.PathFor("pids");
        IRunningProcess process = _sandbox.Start(Worker.Spec(
            "web", "--ignore-term", "--grandchildren", "2", "--pid-file", pidFile, "--forever"));
        IReadOnlyList<int> pids = await Eventually.PidsAsync(pidFile, 3, Timeout);
        _sandbox.TrackPids(pids);
        Assert.Contains(process.Pid, pids);
        TimeSpan stopTimeout = TimeSpan.FromSeconds(1);

        var clock = Stopwatch.StartNew();
        process.Signal(LinuxConstants.SIGTERM);
        bool emptyAfterTerm = await process.WaitGroupEmptyAsync(stopTimeout, CancellationToken.None);
        process.Kill();
        bool emptyAfterKill = await process.WaitGroupEmptyAsync(TimeSpan.FromSeconds(1), CancellationToken.None);
        clock.Stop();

        Assert.False(emptyAfterTerm);
        Assert.True(emptyAfterKill);
        Assert.True(clock.Elapsed < stopTimeout + TimeSpan.FromSeconds(1), $"stop took {clock.Elapsed}");
        Assert.True(process.GroupIsEmpty());
        Assert.All(pids, pid => Assert.False(ProcessTable.IsAlive(pid), $"pid {pid} still alive"));
        Assert.Equal(ProcessExit.Killed(LinuxConstants.SIGKILL), await process.Exited.WaitAsync(Timeout));
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Theory]
    [InlineData("session")]
    [InlineData("group")]
    [InlineData("daemon")]
    public async Task Stop_ChildLeftTheGroup_SignalAndKillReachItAndTheGroupIsEmptyOnlyOnceItIsGone(string escape)
    {
        string pidFile = _sandbox.PathFor("pids");
        IRunningProcess process = _sandbox.Start(Worker.Spec("web", "--ignore-term", "--escape", escape, "--pid-file", pidFile, "--forever"));
        IReadOnlyList<int> pids = await Eventually.PidsAsync(pidFile, 2, Timeout);
        int escaped = Assert.Single(pids, pid => pid != process.Pid);
        Assert.True(ProcessTable.TryRead(escaped, out ProcessStat stat) && stat.GroupId != process.Pid, $"pid {escaped} is still in group {process.Pid}");

        // The leader alone ends on SIGTERM (the escaped copy ignores it too, but only the group would be asked).
        process.Signal(LinuxConstants.SIGTERM);
        Assert.False(await process.WaitGroupEmptyAsync(TimeSpan.FromMilliseconds(300), CancellationToken.None));
        process.Kill();
        Assert.True(await process.WaitGroupEmptyAsync(Timeout, CancellationToken.None));

        await AssertGoneAsync(escaped);
        Assert.True(process.GroupIsEmpty());
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public async Task GroupIsEmpty_LeaderGoneButAProcessOutsideTheGroupCarriesTheToken_IsFalse()
    {
        string pidFile = _sandbox.PathFor("pids");
        IRunningProcess process = _sandbox.Start(Worker.Command(
            "web", "/bin/sh", "-c", $"setsid -f sh -c 'echo $$ >> {pidFile}; exec sleep 30'; echo $$ >> {pidFile}"));
        IReadOnlyList<int> pids = await Eventually.PidsAsync(pidFile, 2, Timeout);
        await process.Exited.WaitAsync(Timeout);
        int escaped = Assert.Single(pids, pid => pid != process.Pid);

        Assert.False(process.GroupIsEmpty(), $"pid {escaped} carries the launch token and still runs");
        process.Kill();
        Assert.True(await process.WaitGroupEmptyAsync(Timeout, CancellationToken.None));
        await AssertGoneAsync(escaped);
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public async Task GroupIsEmpty_LeaderRunning_IsFalse()
    {
        IRunningProcess process = _sandbox.Start(Worker.Command("web", "sleep", "30"));
        await WaitUntilRunningAsync(process);

        Assert.False(process.GroupIsEmpty());
        Assert.False(await process.WaitGroupEmptyAsync(TimeSpan.FromMilliseconds(50), CancellationToken.None));

        process.Kill();
        Assert.True(await process.WaitGroupEmptyAsync(Timeout, CancellationToken.None));
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public async Task Start_StandardInput_ArrivesAndIsClosed()
    {
        IRunningProcess process = _sandbox.Start(Worker.Spec("web", "--read-stdin", "--exit-on-stdin-eof", "--exit", "5") with
        {
            StandardInput = "first\nsecond\n",
        });

        ProcessExit exit = await process.Exited.WaitAsync(Timeout);

        Assert.Equal(ProcessExit.Exited(5), exit);
        Assert.Equal(["stdin: first", "stdin: second"], process.Tail(OutputStream.Stdout, 10));
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public async Task Start_NoStandardInput_ReadsEndOfFileAtOnce()
    {
        IRunningProcess process = _sandbox.Start(Worker.Spec("web", "--read-stdin", "--exit-on-stdin-eof", "--exit", "6"));

        Assert.Equal(ProcessExit.Exited(6), await process.Exited.WaitAsync(Timeout));
        Assert.Empty(process.Tail(OutputStream.Stdout, 10));
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public async Task Start_WorkingDirectory_IsApplied()
    {
        string directory = Directory.CreateDirectory(_sandbox.PathFor("work")).FullName;
        IRunningProcess process = _sandbox.Start(Worker.Command("web", "pwd") with { WorkingDirectory = directory });

        Assert.Equal(ProcessExit.Exited(0), await process.Exited.WaitAsync(Timeout));
        Assert.Equal([directory], process.Tail(OutputStream.Stdout, 10));
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public async Task Start_Environment_AddedToDaemonsAndWins()
    {
        Assert.NotNull(Environment.GetEnvironmentVariable("PATH"));
        var spec = Worker.Spec("web", "--echo-env", "OPS_TEST_VALUE", "--echo-env", "HOME", "--echo-env", "PATH") with
        {
            Environment = new Dictionary<string, string> { ["OPS_TEST_VALUE"] = "a b=c", ["HOME"] = "/nowhere" },
        };
        IRunningProcess process = _sandbox.Start(spec);

        Assert.Equal(ProcessExit.Exited(0), await process.Exited.WaitAsync(Timeout));
        Assert.Equal(
            ["OPS_TEST_VALUE=a b=c", "HOME=/nowhere", "PATH=" + Environment.GetEnvironmentVariable("PATH")],
            process.Tail(OutputStream.Stdout, 10));
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public void Start_CommandNotOnPath_ThrowsLaunchExceptionNamingProgramAndCommand()
    {
        var error = Assert.Throws<LaunchException>(() => _sandbox.Start(Worker.Command("web", "ops-no-such-command")));

        Assert.Equal("program web:0: command 'ops-no-such-command' not found on PATH", error.Message);
    }

    [Fact]
    public void Start_CommandPathMissing_ThrowsLaunchException()
    {
        string missing = _sandbox.PathFor("missing-binary");

        var error = Assert.Throws<LaunchException>(() => _sandbox.Start(Worker.Command("web", missing)));

        Assert.Contains($"command '{missing}' does not exist or is not executable", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_WorkingDirectoryMissing_ThrowsLaunchExceptionNamingPath()
    {
        string missing = _sandbox.PathFor("no-such-dir");

        var error = Assert.Throws<LaunchException>(() => _sandbox.Start(Worker.Command("web", "pwd") with { WorkingDirectory = missing }));

        Assert.Equal($"program web:0: working directory '{missing}' does not exist", error.Message);
    }

    [Fact]
    public void Start_UnknownUser_ThrowsLaunchException()
    {
        var spec = Worker.Command("web", "id") with { User = "ops-no-such-user" };

        var error = Assert.Throws<LaunchException>(() => _sandbox.Start(spec));

        Assert.Contains("ops-no-such-user", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("program web:0: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_User_RunsAsThatUserWithItsIdentityInTheEnvironment()
    {
        if (Libc.geteuid() != 0)
        {
            // Switching user needs root; the non-root path is covered by the error message below.
            var error = Assert.Throws<LaunchException>(() => _sandbox.Start(Worker.Command("web", "id") with { User = "nobody" }));
            Assert.Contains("needs opsd to run as root", error.Message, StringComparison.Ordinal);
            return;
        }

        IRunningProcess process = _sandbox.Start(Worker.Command("web", "sh", "-c", "id -un; echo \"$USER $LOGNAME\"") with { User = "nobody" });

        Assert.Equal(ProcessExit.Exited(0), await process.Exited.WaitAsync(Timeout));
        Assert.Equal(["nobody", "nobody nobody"], process.Tail(OutputStream.Stdout, 10));
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public async Task Start_Supervised_WritesOrphanRecordThatMarkGroupEndedEmpties()
    {
        IRunningProcess process = _sandbox.Start(Worker.Command("web", "sleep", "30"));
        string record = Path.Combine(_sandbox.Options.StateDirectory, "groups", "programs", "web", "0.json");

        Assert.True(File.Exists(record));
        string json = await File.ReadAllTextAsync(record);
        Assert.Contains($"\"pgid\": {process.Pid}", json, StringComparison.Ordinal);
        Assert.Contains($"\"daemonPid\": {Environment.ProcessId}", json, StringComparison.Ordinal);
        Assert.Contains($"\"bootId\": \"{ProcessTable.ReadBootId()}\"", json, StringComparison.Ordinal);
        Assert.Equal(0, new FileInfo(record).Length % 512);

        process.Kill();
        Assert.True(await process.WaitGroupEmptyAsync(Timeout, CancellationToken.None));
        process.MarkGroupEnded();

        Assert.Equal(0, new FileInfo(record).Length);
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public async Task Start_Supervised_ChildCarriesTheLaunchTokenItsRecordNames()
    {
        IRunningProcess process = _sandbox.Start(Worker.Command("web", "sleep", "30"));
        string record = Path.Combine(_sandbox.Options.StateDirectory, "groups", "programs", "web", "0.json");

        GroupRecord? written = JsonSerializer.Deserialize(await File.ReadAllBytesAsync(record), GroupRecordJsonContext.Default.GroupRecord);
        Assert.NotNull(written);
        Assert.Matches("^[0-9a-f]{32}$", written.LaunchToken);
        Assert.False(written.IsPending);
        Assert.True(ProcessTable.TryRead(process.Pid, out ProcessStat stat));
        Assert.True(written.LeaderStartedAt(stat.StartTime), $"the child started at tick {stat.StartTime}, outside the record's {written.StartTime}..{written.LatestStartTime}");
        Assert.True(written.LatestStartTime - written.StartTime <= 100, $"a spawn takes well under a second: {written.StartTime}..{written.LatestStartTime}");
        string[] environment = (await File.ReadAllTextAsync($"/proc/{process.Pid}/environ")).Split('\0');
        Assert.Contains($"{GroupRecord.LaunchTokenVariable}={written.LaunchToken}", environment);

        // A new launch of the same instance gets a token of its own.
        process.Kill();
        Assert.True(await process.WaitGroupEmptyAsync(Timeout, CancellationToken.None));
        process.MarkGroupEnded();
        IRunningProcess next = _sandbox.Start(Worker.Command("web", "sleep", "30"));
        GroupRecord? rewritten = JsonSerializer.Deserialize(await File.ReadAllBytesAsync(record), GroupRecordJsonContext.Default.GroupRecord);
        Assert.Equal(next.Pid, rewritten?.Pgid);
        Assert.NotEqual(written.LaunchToken, rewritten?.LaunchToken);
        next.Kill();
        Assert.True(await next.WaitGroupEmptyAsync(Timeout, CancellationToken.None));
        next.MarkGroupEnded();
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public async Task Start_ExecFails_LeavesNoPendingRecord()
    {
        // Executable but not a program: posix_spawn itself fails (ENOEXEC) after the pending record was written.
        string notAProgram = _sandbox.PathFor("not-a-program");
        await File.WriteAllBytesAsync(notAProgram, [0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 0]);
        File.SetUnixFileMode(notAProgram, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var ex = Assert.Throws<LaunchException>(() => _sandbox.Start(Worker.Command("web", notAProgram)));

        Assert.Contains("web:0", ex.Message, StringComparison.Ordinal);
        string record = Path.Combine(_sandbox.Options.StateDirectory, "groups", "programs", "web", "0.json");
        Assert.True(!File.Exists(record) || new FileInfo(record).Length == 0, "a failed start must not leave a pending record");
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public async Task Start_Unsupervised_GetsNoLaunchToken()
    {
        var spec = Worker.Command("check", "sleep", "30") with { Supervised = false };
        IRunningProcess process = _sandbox.Start(spec);

        string environment = await File.ReadAllTextAsync($"/proc/{process.Pid}/environ");
        Assert.DoesNotContain(GroupRecord.LaunchTokenVariable, environment, StringComparison.Ordinal);
        process.Kill();
        await process.Exited.WaitAsync(Timeout);
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public async Task Start_OverALongerOldRecordFile_RecordParsesAndNamesTheNewGroup()
    {
        // The record file is rewritten in place: whatever a longer file held before must not be left at its end.
        string record = Path.Combine(_sandbox.Options.StateDirectory, "groups", "programs", "web", "0.json");
        Directory.CreateDirectory(Path.GetDirectoryName(record)!);
        await File.WriteAllTextAsync(record, new string('x', 1500));

        IRunningProcess process = _sandbox.Start(Worker.Command("web", "sleep", "30"));

        byte[] bytes = await File.ReadAllBytesAsync(record);
        Assert.Equal(1500, bytes.Length);
        Assert.Equal(process.Pid, JsonSerializer.Deserialize(bytes, GroupRecordJsonContext.Default.GroupRecord)?.Pgid);
        process.Kill();
        Assert.True(await process.WaitGroupEmptyAsync(Timeout, CancellationToken.None));
        process.MarkGroupEnded();
        Assert.Equal(0, new FileInfo(record).Length);
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public async Task Start_Unsupervised_WritesNoRecordAndNoFilesButKeepsTail()
    {
        var spec = Worker.Spec("check", "--stderr", "bad", "--exit", "1") with { Supervised = false };
        IRunningProcess process = _sandbox.Start(spec);

        Assert.Equal(ProcessExit.Exited(1), await process.Exited.WaitAsync(Timeout));
        Assert.Equal(["bad"], process.Tail(OutputStream.Stderr, 10));
        Assert.False(Directory.Exists(Path.Combine(_sandbox.Options.StateDirectory, "groups")));
        Assert.False(Directory.Exists(_sandbox.Options.LogDirectory));
        Assert.Empty(_sandbox.Output.Tail(new InstanceId("check", 0), OutputStream.Stderr, 10));
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public async Task Signal_GroupAlreadyGone_DoesNotThrow()
    {
        IRunningProcess process = _sandbox.Start(Worker.Spec("web", "--exit", "0"));
        await process.Exited.WaitAsync(Timeout);

        process.Signal(LinuxConstants.SIGTERM);
        process.Kill();

        Assert.True(process.GroupIsEmpty());
        await _sandbox.AssertNoProcessLeftAsync();
    }

    private static ulong SignalMask(string[] status, string field) => ulong.Parse(
        status.Single(line => line.StartsWith(field, StringComparison.Ordinal))[field.Length..].Trim(),
        System.Globalization.NumberStyles.HexNumber,
        System.Globalization.CultureInfo.InvariantCulture);

    private static async Task WaitUntilRunningAsync(IRunningProcess process)
    {
        // posix_spawn returns after exec, so the command is in place; this only guards against slow machines.
        Assert.True(await Eventually.TrueAsync(() => ProcessTable.IsAlive(process.Pid), Timeout));
    }

    private static async Task WaitForLineAsync(IRunningProcess process, OutputStream stream, string line) =>
        Assert.True(
            await Eventually.TrueAsync(() => process.Tail(stream, 100).Contains(line), Timeout),
            $"'{line}' never appeared on {stream}");

    /// <summary>
    /// A sweep counts a SIGKILLed carrier as gone once it is in the kernel's exit path (see TokenSweep): a
    /// multi-threaded one (a .NET worker) may take a moment there before it is a zombie, so its end is awaited, briefly.
    /// </summary>
    private static async Task AssertGoneAsync(int pid) =>
        Assert.True(await Eventually.TrueAsync(() => !ProcessTable.IsAlive(pid), TimeSpan.FromSeconds(2)), $"pid {pid} outlived the kill");
}
