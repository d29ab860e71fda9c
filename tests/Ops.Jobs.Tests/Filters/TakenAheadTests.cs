using Hangfire.Common;
using Hangfire.Server;
using Hangfire.States;
using Hangfire.Storage;
using Ops.Jobs.Filters;
using Ops.Jobs.Specs;
using Ops.Jobs.Tests.Support;

namespace Ops.Jobs.Tests.Filters;

/// <summary>Jobs a worker fetched ahead of a free run slot, as Hangfire's worker moves them: fetch, Processing, the gate.</summary>
public sealed class TakenAheadTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static readonly TaskCatalog Catalog = new([new TaskSpec { Name = "solo", Command = "/bin/true", Queue = "one" }], [new QueueSpec("one", 1, 10, Prefetch: 2)]);

    private readonly JobStore _store = new();
    private readonly RunGateFilter _gate = new(Catalog);
    private readonly JobFilterCollection _filters = [];

    public TakenAheadTests() => _filters.Add(new TakenAhead.StateFilter(Catalog));

    [Fact]
    public void Waiting_JobFetchedAndProcessingButNotStarted_StillCounts()
    {
        var ids = Enqueue(3);
        using var fetched = Take();

        Assert.Equal(3, TakenAhead.Waiting(_store.Storage.GetMonitoringApi(), _store.Connection, "one"));
        Assert.Equal([fetched.JobId], _store.Set(TakenAhead.Key("one")));
        Assert.Contains(fetched.JobId, ids);
    }

    [Fact]
    public void Waiting_RunPassesTheGate_NoLongerCounts()
    {
        Enqueue(2);
        using var fetched = Take();

        _gate.OnPerforming(new PerformingContext(_store.Perform(_store.Load(fetched.JobId))));

        Assert.Equal(1, TakenAhead.Waiting(_store.Storage.GetMonitoringApi(), _store.Connection, "one"));
        Assert.Empty(_store.Set(TakenAhead.Key("one")));
    }

    [Fact]
    public async Task Waiting_RunWaitsAtTheGateThenAnotherEnds_CountsUntilItsOwnRunStarts()
    {
        Enqueue(2);
        using var first = Take();
        var running = new PerformingContext(_store.Perform(_store.Load(first.JobId)));
        _gate.OnPerforming(running);
        using var second = Take();

        var waiting = Task.Run(() => _gate.OnPerforming(new PerformingContext(_store.Perform(_store.Load(second.JobId)))));
        Assert.Equal([second.JobId], _store.Set(TakenAhead.Key("one")));
        _gate.OnPerformed(new PerformedContext(running, null, false, null));
        await waiting.WaitAsync(Wait);

        Assert.Empty(_store.Set(TakenAhead.Key("one")));
    }

    [Fact]
    public async Task Waiting_ServerStopsWhileTheJobWaits_HandedBackAndCountedOnlyInTheQueue()
    {
        Enqueue(2);
        using var first = Take();
        _gate.OnPerforming(new PerformingContext(_store.Perform(_store.Load(first.JobId))));
        using var token = new FakeJobCancellationToken();
        using var second = Take();

        var waiting = Task.Run(() => _gate.OnPerforming(new PerformingContext(_store.Perform(_store.Load(second.JobId), token))));
        token.Shutdown();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Wait));

        Assert.Empty(_store.Set(TakenAhead.Key("one")));
    }

    [Theory]
    [InlineData("Deleted")]
    [InlineData("Failed")]
    [InlineData("Enqueued")]
    public void StateFilter_TakenAheadJobLeavesProcessing_LeavesTheSet(string next)
    {
        Enqueue(1);
        using var fetched = Take();
        IState state = next switch
        {
            "Deleted" => new DeletedState(),
            "Failed" => new FailedState(new InvalidOperationException("gone")),
            _ => new EnqueuedState("one"),
        };

        _store.ChangeState(fetched.JobId, state, _filters);

        Assert.Empty(_store.Set(TakenAhead.Key("one")));
    }

    [Fact]
    public void StateFilter_JobTakenAgainAfterItsHostDied_CountedOnce()
    {
        Enqueue(1);
        using var fetched = Take();

        // Another host's worker takes the requeued job: Processing again, over the dead host's Processing.
        Assert.Equal(ProcessingState.StateName, _store.ChangeState(fetched.JobId, new WorkerState(), _filters)?.Name);

        Assert.Equal([fetched.JobId], _store.Set(TakenAhead.Key("one")));
    }

    [Fact]
    public void StateFilter_JobThatIsNoTaskRun_NotCounted()
    {
        var id = _store.Connection.CreateExpiredJob(Job.FromExpression(() => Console.WriteLine()), new Dictionary<string, string?>(), JobStore.CreatedAt, TimeSpan.FromHours(1));

        _store.ChangeState(id, new WorkerState(), _filters);

        Assert.Empty(_store.Set(TakenAhead.Key("one")));
    }

    public void Dispose() => _store.Dispose();

    private List<string> Enqueue(int count)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var id = _store.Create("solo").Id;
            _store.ChangeState(id, new EnqueuedState("one"), _filters);
            ids.Add(id);
        }

        return ids;
    }

    /// <summary>What a worker does before performing: fetch the next job, then move it to Processing.</summary>
    private IFetchedJob Take()
    {
        var fetched = _store.Connection.FetchNextJob(["one"], CancellationToken.None);
        Assert.Equal(ProcessingState.StateName, _store.ChangeState(fetched.JobId, new WorkerState(), _filters)?.Name);
        return fetched;
    }
}
