using Ops.Supervision.Os;
using Ops.Supervision.Restarts;
using Ops.Supervision.Specs;
using Ops.Supervision.StateMachine;

namespace Ops.Supervision.Supervising;

/// <summary>
/// Everything the supervisor knows about one instance. Owned by the supervision loop: only the loop reads or
/// writes it, except <see cref="Snapshot"/> (published for other threads) and the state machine's history.
/// </summary>
internal sealed class Instance
{
    private InstanceSnapshot _snapshot;

    public Instance(ProgramEntry program, int index, InstanceStateMachine machine)
    {
        Index = index;
        Machine = machine;
        Reconfigure(program);
        _snapshot = new InstanceSnapshot(machine.Id, machine.State, null, machine.Since, 0, null, null, null, null);
    }

    public ProgramEntry Program { get; private set; }

    public ProgramSpec Spec => Program.Spec;

    public int Index { get; }

    /// <summary>Which instance this is: "web:0".</summary>
    public InstanceId Id => Machine.Id;

    public InstanceStateMachine Machine { get; }

    public InstanceState State => Machine.State;

    /// <summary>What the launcher is given; placeholders expanded once per spec.</summary>
    public LaunchSpec LaunchSpec { get; private set; }

    /// <summary>The health check with placeholders expanded; null without one.</summary>
    public HealthCheckSpec? HealthCheck { get; private set; }

    /// <summary>Bumped on every transition and every cancelled timer: events carrying an older value are stale.</summary>
    public int Generation { get; set; }

    // --- the process: from launch until its group is confirmed empty ---------------------------------------

    /// <summary>The current process; stays set after the leader exits until the whole group is gone.</summary>
    public IRunningProcess? Process { get; set; }

    /// <summary>Where the group of <see cref="Process"/> stands (the state machine's group phase).</summary>
    public GroupPhase Group => Machine.Group;

    /// <summary>The process ran StartSeconds.</summary>
    public bool ReachedRunning { get; set; }

    /// <summary>The pid of the last process, kept for the records written after it ended.</summary>
    public int? LastPid { get; set; }

    public ProcessExit? LastExit { get; set; }

    public IReadOnlyList<string> LastStderrTail { get; set; } = [];

    // --- restart budget --------------------------------------------------------------------------------------

    /// <summary>What <see cref="RestartDecider"/> returned last (or a reset gave); stored, never edited.</summary>
    public RestartCounters Counters { get; set; } = RestartCounters.None;

    /// <summary>Automatic restarts since the daemon started.</summary>
    public int Restarts { get; set; }

    // --- what comes next ---------------------------------------------------------------------------------------

    /// <summary>
    /// What follows once the group is confirmed empty: while Stopping, the stop's plan; in Backoff, Exited or Fatal,
    /// a launch (<see cref="AfterStop.StartAgain"/>) or a move to Stopped waiting for the old group.
    /// </summary>
    public StopPlan? AfterGroup { get; set; }

    /// <summary>A start waiting (as Stopped) for the programs in DependsOn.</summary>
    public LaunchRequest? DependencyWait { get; set; }

    /// <summary>Shown as the snapshot's reason when it says more than the last transition ("dependency").</summary>
    public string? ReasonOverride { get; set; }

    // --- timers and health -------------------------------------------------------------------------------------

    /// <summary>The one timer of the current state (StartSeconds, backoff, stop timeout, fatal retry).</summary>
    public ITimer? PhaseTimer { get; set; }

    public ITimer? HealthTimer { get; set; }

    public bool? Healthy { get; set; }

    public int HealthFailures { get; set; }

    public bool ProbeInFlight { get; set; }

    /// <summary>The last published view; read by API threads.</summary>
    public InstanceSnapshot Snapshot
    {
        get => Volatile.Read(ref _snapshot);
        set => Volatile.Write(ref _snapshot, value);
    }

    /// <summary>The pid while the leader is alive.</summary>
    public int? LivePid => Process is { } p && Group is (GroupPhase.Alive or GroupPhase.Stopping) ? p.Pid : null;

    /// <summary>
    /// Moves the instance to <paramref name="program"/> (a reload's new entry for the same name), keeping its state,
    /// history and counters. The caller makes sure nothing runs unless the launch stays the same (an Instances-only
    /// change, which no placeholder depends on).
    /// </summary>
    [System.Diagnostics.CodeAnalysis.MemberNotNull(nameof(Program), nameof(LaunchSpec))]
    public void Reconfigure(ProgramEntry program)
    {
        Program = program;
        LaunchSpec = program.Spec.ForInstance(Index);
        HealthCheck = program.Spec.Health is { } health
            ? health with
            {
                Target = program.Spec.Expand(health.Target, Index),
                Command = [.. health.Command.Select(c => program.Spec.Expand(c, Index))],
            }
            : null;
    }

    /// <summary>Cancels the state's timers and makes any event they already posted stale.</summary>
    public void CancelTimers()
    {
        PhaseTimer?.Dispose();
        PhaseTimer = null;
        HealthTimer?.Dispose();
        HealthTimer = null;
        Generation++;
    }
}

/// <summary>A start that has to wait; <paramref name="Automatic"/> counts it as a restart.</summary>
internal sealed record LaunchRequest(string Reason, bool Automatic);

/// <summary>What follows a stop sequence.</summary>
internal enum AfterStop
{
    /// <summary>Stopped, and stays so.</summary>
    Stopped,

    /// <summary>Stopped (when Stopping), then started again at once: an operator restart, or a launch that waited.</summary>
    StartAgain,

    /// <summary>Backoff with a delay, then started again (health and memory restarts).</summary>
    Backoff,

    /// <summary>Fatal: the restart budget is spent.</summary>
    Fatal,
}

/// <summary>
/// What follows a stop sequence or the end of an old group: what, why, the backoff delay when there is one, and
/// whether a start is counted as an automatic restart.
/// </summary>
internal sealed record StopPlan(AfterStop Then, string Reason, TimeSpan Delay = default, bool Automatic = false);
