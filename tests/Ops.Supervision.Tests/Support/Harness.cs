using Microsoft.Extensions.Time.Testing;
using Ops.Supervision.Reloading;
using Ops.Supervision.Specs;
using Ops.Supervision.Supervising;

namespace Ops.Supervision.Tests.Support;

/// <summary>
/// A running <see cref="Supervisor"/> over fakes and a <see cref="FakeTimeProvider"/>. Every action waits for the
/// loop to be idle, so assertions see the settled state; time only moves through <see cref="AdvanceAsync"/>.
/// </summary>
internal sealed class Harness : IAsyncDisposable
{
    /// <summary>The smallest step of FakeTimeProvider time: "just before" a deadline is one tick short of it.</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    /// <summary>Real time a test waits for something that should be immediate before it fails instead of hanging.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly CancellationTokenSource _stop = new();
    private Task? _run;

    private Harness(IEnumerable<ProgramSpec> programs, SupervisorOptions? options)
    {
        Launcher = new FakeLauncher(Time);
        Supervisor = new Supervisor(programs, Launcher, Sampler, Probe, Time, Random, Logger, options);
        Supervisor.TransitionRecorded += (_, record) =>
        {
            lock (Recorded)
            {
                Recorded.Add(record);
            }
        };
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public FakeLauncher Launcher { get; }

    public FakeSampler Sampler { get; } = new();

    public FakeProbe Probe { get; } = new();

    public FixedRandomSource Random { get; } = new();

    public ListLogger<Supervisor> Logger { get; } = new();

    public Supervisor Supervisor { get; }

    /// <summary>Every TransitionRecorded event, oldest first.</summary>
    public List<TransitionRecord> Recorded { get; } = [];

    /// <summary>A program with the defaults of DESIGN.md: command "/bin/{name}".</summary>
    public static ProgramSpec Program(string name) => new() { Name = name, Command = $"/bin/{name}" };

    /// <summary>Builds the supervisor, lets <paramref name="configure"/> prepare the fakes, then runs it.</summary>
    public static async Task<Harness> StartAsync(
        IEnumerable<ProgramSpec> programs, Action<Harness>? configure = null, SupervisorOptions? options = null)
    {
        var harness = new Harness(programs, options);
        configure?.Invoke(harness);
        harness._run = harness.Supervisor.RunAsync(harness._stop.Token);
        await harness.IdleAsync();
        return harness;
    }

    public static Task<Harness> StartAsync(params ProgramSpec[] programs) => StartAsync(programs, null);

    /// <summary>Waits until no event is queued or being handled.</summary>
    public async Task IdleAsync()
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!Supervisor.IsIdle)
        {
            if (_run is { IsCompleted: true })
            {
                await _run;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The supervision loop did not become idle.");
            }

            await Task.Delay(1);
        }
    }

    /// <summary>Moves fake time on and lets the loop handle whatever fired.</summary>
    public async Task AdvanceAsync(TimeSpan by)
    {
        Time.Advance(by);
        await IdleAsync();
    }

    public async Task<CommandResult> SendAsync(CommandKind kind, string target)
    {
        var result = await Supervisor.SendAsync(kind, target, CancellationToken.None).WaitAsync(Patience);
        await IdleAsync();
        return result;
    }

    /// <summary>Applies <paramref name="programs"/> and waits for the reload to be carried out and the loop to settle.</summary>
    public async Task<ReloadResult> ReloadAsync(params ProgramSpec[] programs)
    {
        var result = await Supervisor.ReloadAsync(programs, CancellationToken.None).WaitAsync(Patience);
        await IdleAsync();
        return result;
    }

    /// <summary>Runs <paramref name="action"/> (an exit, a kill) and waits for the loop to handle it.</summary>
    public async Task ActAsync(Action action)
    {
        action();
        await IdleAsync();
    }

    public InstanceSnapshot State(string program, int instance = 0) => Supervisor.Snapshot(program)![instance];

    public IReadOnlyList<TransitionRecord> RecordedFor(string program, int instance = 0)
    {
        lock (Recorded)
        {
            return [.. Recorded.Where(r => r.Program == program && r.Instance == instance)];
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_run is not null)
        {
            await _run.WaitAsync(Patience);
        }

        await Supervisor.DisposeAsync();
        _stop.Dispose();
        Assert.Empty(Launcher.Violations);
        Assert.DoesNotContain(Launcher.Started, p => p.MarkedGroupEndedTooEarly);
    }
}
