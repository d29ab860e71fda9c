using Hangfire.States;
using Ops.Jobs.Filters;
using Ops.Jobs.Specs;
using Ops.Jobs.Tests.Support;

namespace Ops.Jobs.Tests.Filters;

public sealed class QueueFilterTests : IDisposable
{
    private readonly JobStore _store = new();
    private readonly QueueFilter _filter = new(new TaskCatalog([new TaskSpec { Name = "crunch", Command = "/bin/true", Queue = "cpu" }], [new QueueSpec("cpu", 2, 10)]));

    [Fact]
    public void OnStateElection_RunEnqueuedAnywhere_GoesToItsTasksQueue()
    {
        var enqueued = new EnqueuedState();
        var context = _store.Elect(_store.Create("crunch"), enqueued, ScheduledState.StateName);

        _filter.OnStateElection(context);

        Assert.Same(enqueued, context.CandidateState);
        Assert.Equal("cpu", enqueued.Queue);
    }

    [Fact]
    public void OnStateElection_OtherStateOrUnknownTask_Untouched()
    {
        var scheduled = new ScheduledState(JobStore.CreatedAt);
        var scheduling = _store.Elect(_store.Create("crunch"), scheduled);
        var foreign = new EnqueuedState("default");
        var unknown = _store.Elect(_store.Create("gone"), foreign, ScheduledState.StateName);

        _filter.OnStateElection(scheduling);
        _filter.OnStateElection(unknown);

        Assert.Same(scheduled, scheduling.CandidateState);
        Assert.Equal("default", foreign.Queue);
    }

    public void Dispose() => _store.Dispose();
}
