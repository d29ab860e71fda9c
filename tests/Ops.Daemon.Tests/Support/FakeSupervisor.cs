using Ops.Supervision;
using Ops.Supervision.Reloading;
using Ops.Supervision.Specs;

namespace Ops.Daemon.Tests.Support;

/// <summary>A supervisor that runs nothing: it keeps the program set it was handed, as the real one owns what runs.</summary>
internal sealed class FakeSupervisor(IReadOnlyList<ProgramSpec> programs) : ISupervisor
{
    /// <summary>Every program set handed to <see cref="ReloadAsync"/>, in order.</summary>
    public List<IReadOnlyList<ProgramSpec>> Reloads { get; } = [];

    public IReadOnlyList<ProgramSpec> Programs { get; private set; } = programs;

    public TimeSpan SinceLastLoopTurn => TimeSpan.Zero;

    public IReadOnlyList<InstanceSnapshot> Snapshot() => [];

    public IReadOnlyList<InstanceSnapshot>? Snapshot(string program) => null;

    public IReadOnlyList<TransitionRecord>? History(string program) => null;

    public Task<CommandResult> SendAsync(CommandKind kind, string target, CancellationToken cancellationToken) =>
        Task.FromResult(new CommandResult(CommandStatus.NotFound, "fake", []));

    public Task<ReloadResult> ReloadAsync(IReadOnlyList<ProgramSpec> programs, CancellationToken cancellationToken)
    {
        var plan = ReloadPlan.Diff(Programs, programs);
        Reloads.Add(programs);
        Programs = programs;
        return Task.FromResult(new ReloadResult(plan, [], []));
    }

    public int? PidOf(string program, int instance) => null;
}
