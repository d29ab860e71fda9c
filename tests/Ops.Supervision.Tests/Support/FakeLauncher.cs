using Ops.Supervision.Os;

namespace Ops.Supervision.Tests.Support;

/// <summary>Hands out <see cref="FakeProcess"/>es and remembers every launch, failed ones included.</summary>
internal sealed class FakeLauncher(TimeProvider time) : IProcessLauncher
{
    private readonly List<FakeProcess> _started = [];
    private readonly List<(LaunchSpec Spec, DateTimeOffset At)> _attempts = [];
    private readonly Lock _gate = new();
    private readonly List<string> _violations = [];
    private int _nextPid = 1000;

    /// <summary>Returns the message of a LaunchException to throw for a spec, or null to launch.</summary>
    public Func<LaunchSpec, string?> Failure { get; set; } = _ => null;

    /// <summary>Runs on every new process before Start returns (e.g. make it exit at once).</summary>
    public Action<FakeProcess> OnStart { get; set; } = _ => { };

    public IReadOnlyList<FakeProcess> Started
    {
        get
        {
            lock (_gate)
            {
                return [.. _started];
            }
        }
    }

    /// <summary>Every call to Start, in order.</summary>
    public IReadOnlyList<(LaunchSpec Spec, DateTimeOffset At)> Attempts
    {
        get
        {
            lock (_gate)
            {
                return [.. _attempts];
            }
        }
    }

    /// <summary>Launches of an instance while an earlier copy of it was not gone: must stay empty.</summary>
    public IReadOnlyList<string> Violations
    {
        get
        {
            lock (_gate)
            {
                return [.. _violations];
            }
        }
    }

    public IReadOnlyList<FakeProcess> Of(string program, int instance = 0) =>
        [.. Started.Where(p => p.Spec.Owner.Name == program && p.Spec.Owner.Index == instance)];

    public FakeProcess Last(string program, int instance = 0) => Of(program, instance)[^1];

    public int AttemptsOf(string program, int instance = 0) =>
        Attempts.Count(a => a.Spec.Owner.Name == program && a.Spec.Owner.Index == instance);

    public IRunningProcess Start(LaunchSpec spec)
    {
        lock (_gate)
        {
            _attempts.Add((spec, time.GetUtcNow()));
        }

        if (Started.Any(p => p.Spec.Owner.Name == spec.Owner.Name && p.Spec.Owner.Index == spec.Owner.Index && !p.GroupIsEmpty()))
        {
            lock (_gate)
            {
                _violations.Add($"{spec.Owner} launched while an earlier copy's group still had processes");
            }
        }

        if (Failure(spec) is { } message)
        {
            throw new LaunchException(message);
        }

        FakeProcess process;
        lock (_gate)
        {
            process = new FakeProcess(_nextPid++, spec, time.GetUtcNow(), time);
            _started.Add(process);
        }

        OnStart(process);
        return process;
    }
}
