using Ops.Benchmarks.Infrastructure;

namespace Ops.Benchmarks.Supervisors;

/// <summary>One supervised program as a supervisor's own API reports it.</summary>
internal sealed record ProgramStatus(string Name, bool IsRunning, int? Pid, int Restarts);

/// <summary>A supervisor under test (opsd, supervisord) that the scenarios can ask what it thinks is running.</summary>
internal interface ISupervisor : IDisposable
{
    /// <summary>What the reports call it, with its version when known.</summary>
    string Label { get; }

    /// <summary>The supervisor's own process.</summary>
    LaunchedProcess Process { get; }

    /// <summary>Every program instance, or null while its API does not answer yet.</summary>
    Task<IReadOnlyList<ProgramStatus>?> TryGetProgramsAsync(CancellationToken cancellationToken);
}

/// <summary>Polling helpers shared by the scenarios.</summary>
internal static class SupervisorExtensions
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// Polls the API until <paramref name="condition"/> holds and returns that answer; throws, naming
    /// <paramref name="what"/> and the last answer, after <paramref name="timeout"/> or when the supervisor dies.
    /// </summary>
    public static async Task<IReadOnlyList<ProgramStatus>> WaitForAsync(
        this ISupervisor supervisor,
        Func<IReadOnlyList<ProgramStatus>, bool> condition,
        string what,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        IReadOnlyList<ProgramStatus>? last = null;
        try
        {
            while (true)
            {
                supervisor.Process.ThrowIfExited();
                last = await supervisor.TryGetProgramsAsync(deadline.Token);
                if (last is not null && condition(last))
                {
                    return last;
                }

                await Task.Delay(PollInterval, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            var seen = last is null ? "its API never answered" : $"{last.Count(p => p.IsRunning)} of {last.Count} running";
            throw new TimeoutException($"{supervisor.Label}: not {what} within {timeout.TotalSeconds:0.#} s ({seen}); its last output:{Environment.NewLine}{supervisor.Process.Tail()}");
        }
    }
}
