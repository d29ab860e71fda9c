using System.ComponentModel;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Ops.Processes.Native;
using Ops.Processes.Orphans;
using Ops.Processes.Output;
using Ops.Processes.Pipes;
using Ops.Processes.Reaping;
using Ops.Processes.Sampling;
using Ops.Supervision.Os;

namespace Ops.Processes.Launching;

/// <summary>
/// Starts children on Linux with posix_spawnp, each the leader of its own session and process group, with stdin
/// from /dev/null (or a pipe fed the spec's text) and stdout/stderr pumped into the <see cref="InstanceOutputStore"/>.
/// Exits arrive as events from the process-wide reaper thread. Supervised starts carry a launch token in their
/// environment, which stops follow out of the group, and leave an orphan record in the state directory until
/// <see cref="IRunningProcess.MarkGroupEnded"/>.
/// </summary>
public sealed partial class LinuxProcessLauncher : IProcessLauncher
{
    private readonly InstanceOutputStore _output;
    private readonly GroupRecordStore _records;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _bootId;

    /// <summary>Creates the launcher; <paramref name="output"/> is the daemon's one output store.</summary>
    public LinuxProcessLauncher(
        ProcessOptions options,
        InstanceOutputStore output,
        TimeProvider? timeProvider = null,
        ILogger<LinuxProcessLauncher>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("LinuxProcessLauncher needs Linux (posix_spawn with setsid, pidfd, epoll)");
        }

        _output = output;
        _records = new GroupRecordStore(options.StateDirectory);

        // What the records of the first launch need, ready before it (see Start): the boot id read, the boot clock
        // and the record writer compiled.
        _bootId = ProcessTable.ReadBootId();
        _ = ProcessTable.BootTicksNow();
        GroupRecordStore.CompileWriter();

        // A fork count from before the first launch: each launch's pid window (see PidWindow) starts from one.
        PidWindow.Prime();
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger<LinuxProcessLauncher>.Instance;
    }

    /// <inheritdoc/>
    public IRunningProcess Start(LaunchSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        CheckIdentity(spec);
        string? launchToken = spec.Supervised ? NewLaunchToken() : null;
        LaunchPlan plan = LaunchPlan.Create(spec, FindSetpriv, launchToken);

        if (launchToken is not null)
        {
            // The child runs as soon as it is spawned, and a daemon killed before the record names its pid would
            // leave it unrecorded: so the record goes first, naming the launch by the token in the child's
            // environment, and the next daemon finds the group by that token if the pid never made it.
            Exception? pendingFailure = TryWritePendingRecord(spec, launchToken);
            if (pendingFailure is not null)
            {
                throw new LaunchException(
                    $"{spec.Owner}: cannot write the orphan record in '{_records.Directory}': {pendingFailure.Message}; nothing was started",
                    pendingFailure);
            }
        }

        StdioPipes pipes = StdioPipes.Create(spec);
        ulong startedNoEarlier = ProcessTable.BootTicksNow();
        int pid;
        try
        {
            pid = PosixSpawn.Spawn(new SpawnRequest(
                plan.File, plan.Argv, plan.Environment, plan.WorkingDirectory, pipes.StdinChild, pipes.StdoutChild, pipes.StderrChild));
        }
        catch (SpawnFailedException ex)
        {
            pipes.CloseParentEnds();
            if (launchToken is not null)
            {
                // Nothing carries the token: the pending record names nothing.
                EndPendingRecord(spec);
            }

            throw new LaunchException($"{spec.Owner}: cannot start '{plan.File}': {ex.Message}", ex);
        }
        finally
        {
            // The child has its copies (or never will); ours must go, or the pumps would never see end of stream.
            pipes.CloseChildEnds();
        }

        // From here on the child exists: whatever fails, it is killed and still reaped.
        Exception? recordFailure = launchToken is not null ? TryWriteRecord(spec, pid, startedNoEarlier, launchToken) : null;
        // Never disposed: the reaper thread may set it after the caller has gone (it holds no OS handle).
        var reapedSignal = new ManualResetEventSlim(false, 0);
        Task<ProcessExit> reaped = ChildReaper.Shared.Watch(pid, reapedSignal.Set);
        if (recordFailure is not null)
        {
            Abandon(pid, pipes);
            throw new LaunchException(
                $"{spec.Owner}: cannot write the orphan record in '{_records.Directory}': {recordFailure.Message}; killed pid {pid}",
                recordFailure);
        }

        InstanceOutput output = spec.Supervised
            ? _output.GetOrCreate(spec.Owner)
            : _output.CreateDetached(spec.Owner);
        NonBlockingPipe? stdout = null, stderr = null, stdin = null;
        try
        {
            stdout = new NonBlockingPipe(pipes.TakeStdoutParent());
            stderr = new NonBlockingPipe(pipes.TakeStderrParent());
            stdin = pipes.StdinParent >= 0 ? new NonBlockingPipe(pipes.TakeStdinParent()) : null;
        }
        catch (Win32Exception ex)
        {
            stdout?.Dispose();
            stderr?.Dispose();
            Abandon(pid, pipes);
            throw new LaunchException($"{spec.Owner}: cannot set up the stdio pipes of pid {pid}: {ex.Message}; killed it", ex);
        }

        output.Stdout.Attach(spec.Log);
        output.Stderr.Attach(spec.Log);
        // Started here, not through Task.Run: a new child has rarely written anything yet, so each pump only finds
        // its pipe empty and arms its epoll wait; the feeder's small item usually fits the pipe in one write.
        Task pumps = Task.WhenAll(
            OutputPump.RunAsync(stdout, output.Stdout, pid, _output.Secrets, _logger),
            OutputPump.RunAsync(stderr, output.Stderr, pid, _output.Secrets, _logger));

        var stdinCancellation = new CancellationTokenSource();
        if (stdin is not null)
        {
            _ = StdinFeeder.RunAsync(stdin, spec.StandardInput!, spec.Owner.LogName, spec.Owner.Index, pid, _logger, stdinCancellation.Token);
        }

        LogStarted(_logger, spec.Owner.LogName, spec.Owner.Index, pid, plan.File);
        // The sweep for carriers of the token only reads processes that started no earlier than the child.
        LaunchCarriers? carriers = launchToken is null ? null : new LaunchCarriers(launchToken, startedNoEarlier, pid, PidWindow.After(pid));
        return new RunningProcess(spec, pid, reaped, reapedSignal, pumps, output, spec.Supervised ? _records : null, carriers, stdinCancellation, _time, _logger);
    }

    private static void CheckIdentity(LaunchSpec spec)
    {
        // Both end up in file names (logs, orphan records). InstanceId and RunSlotId check them when made; only an
        // owner made from neither (a default value) is left to refuse.
        if (spec.Owner.Name is null)
        {
            throw new LaunchException("the launch has no owner: make it from an InstanceId or a RunSlotId");
        }
    }

    private static string? FindSetpriv() =>
        CommandResolver.Resolve("setpriv", Environment.GetEnvironmentVariable("PATH"), Directory.GetCurrentDirectory());

    /// <summary>A child whose setup failed: SIGKILL its group (the reaper still reaps it) and drop our pipe ends.</summary>
    private static void Abandon(int pid, StdioPipes pipes)
    {
        _ = ProcessGroups.Signal(pid, LinuxConstants.SIGKILL);
        pipes.CloseParentEnds();
    }

    /// <summary>128 random bits in hex: unguessable, so no other process can carry it by accident or on purpose.</summary>
    private static string NewLaunchToken()
    {
        Span<byte> bytes = stackalloc byte[16];
        System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    private Exception? TryWritePendingRecord(LaunchSpec spec, string launchToken)
    {
        try
        {
            _records.Write(spec.Owner, GroupRecord.Of(spec.Owner, 0, 0, _bootId, Environment.ProcessId, _time.GetUtcNow(), launchToken));
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return ex;
        }
    }

    private void EndPendingRecord(LaunchSpec spec)
    {
        try
        {
            _records.Delete(spec.Owner, 0);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Harmless: the next daemon start finds no process with the token and deletes the record then.
            LogPendingRecordEndFailed(_logger, ex, spec.Owner.LogName, spec.Owner.Index);
        }
    }

    /// <summary>
    /// Names the pid in the launch's record. The child's start time is bracketed by the boot clock before the spawn
    /// and now (a /proc/&lt;pid&gt;/stat read of a child still in exec cost more than the rest of the record).
    /// </summary>
    private Exception? TryWriteRecord(LaunchSpec spec, int pid, ulong startedNoEarlier, string launchToken)
    {
        try
        {
            ulong startedNoLater = ProcessTable.BootTicksNow();
            _records.Write(spec.Owner, GroupRecord.Of(spec.Owner, pid, startedNoEarlier, _bootId, Environment.ProcessId, _time.GetUtcNow(), launchToken, startedNoLater));
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Win32Exception)
        {
            return ex;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Started {Program}:{Instance} as pid {Pid} ({Command})")]
    private static partial void LogStarted(ILogger logger, string program, int instance, int pid, string command);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ending the pending orphan record of {Program}:{Instance} after a failed start failed; the next start cleans it up")]
    private static partial void LogPendingRecordEndFailed(ILogger logger, Exception exception, string program, int instance);
}
