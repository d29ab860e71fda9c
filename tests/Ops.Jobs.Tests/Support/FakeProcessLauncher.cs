using Ops.Supervision.Os;

namespace Ops.Jobs.Tests.Support;

/// <summary>Hands out the processes a test prepared, in order, and keeps every launch it was asked for.</summary>
internal sealed class FakeProcessLauncher : IProcessLauncher
{
    private readonly Queue<FakeRunningProcess> _next = new();

    public List<LaunchSpec> Launches { get; } = [];

    /// <summary>The clock the prepared processes' stop graces run on.</summary>
    public TimeProvider Time { get; set; } = TimeProvider.System;

    /// <summary>When set, every start fails with this message.</summary>
    public string? FailWith { get; set; }

    /// <summary>The process the next start returns.</summary>
    public FakeRunningProcess Prepare(int pid)
    {
        var process = new FakeRunningProcess(pid, Time);
        _next.Enqueue(process);
        return process;
    }

    public IRunningProcess Start(LaunchSpec spec)
    {
        Launches.Add(spec);
        if (FailWith is { } message)
        {
            throw new LaunchException(message);
        }

        return _next.Dequeue();
    }
}
