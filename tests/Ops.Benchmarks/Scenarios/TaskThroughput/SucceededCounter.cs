using System.Diagnostics;
using Hangfire.States;
using Hangfire.Storage;

namespace Ops.Benchmarks.Scenarios.TaskThroughput;

/// <summary>
/// Counts jobs as Hangfire moves them to Succeeded (in the state change itself, so without polling the storage) and
/// completes once the expected number is reached, remembering when the last one did.
/// </summary>
internal sealed class SucceededCounter : IApplyStateFilter
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _expected = int.MaxValue;
    private int _count;
    private long _lastAt;

    /// <summary>Jobs counted since the last <see cref="Expect"/>.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>Starts counting from zero; the task completes when <paramref name="count"/> jobs have Succeeded.</summary>
    public Task Expect(int count)
    {
        lock (_gate)
        {
            _expected = count;
            _count = 0;
            _lastAt = 0;
            _reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _reached.Task;
        }
    }

    /// <summary>The Stopwatch timestamp of the last Succeeded counted.</summary>
    public long LastAt
    {
        get
        {
            lock (_gate)
            {
                return _lastAt;
            }
        }
    }

    public void OnStateApplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
    {
        if (context.NewState.Name != SucceededState.StateName)
        {
            return;
        }

        lock (_gate)
        {
            _lastAt = Stopwatch.GetTimestamp();
            if (++_count == _expected)
            {
                _reached.TrySetResult();
            }
        }
    }

    public void OnStateUnapplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
    {
    }
}
