using Hangfire.Common;
using Microsoft.Extensions.Logging.Abstractions;
using Ops.Jobs.Filters;
using Ops.Jobs.Running;
using Ops.Jobs.Specs;
using Ops.Jobs.Tests.Support;

namespace Ops.Jobs.Tests.Filters;

public sealed class RecurringCapacityFilterTests : IDisposable
{
    private readonly JobStore _store = new();
    private static readonly TaskCatalog Catalog = new([new TaskSpec { Name = "nightly", Command = "/bin/true", Queue = "small" }], [new QueueSpec("small", 1, 2)]);
    private readonly RecurringCapacityFilter _filter = new(Catalog, NullLogger<RecurringCapacityFilter>.Instance);

    [Fact]
    public void OnCreating_RecurringRunFindsItsQueueFull_IsSkipped()
    {
        Fill("small", 2);
        var context = _store.Creating(NightlyJob(), Recurring());

        _filter.OnCreating(context);

        Assert.True(context.Canceled);
    }

    [Fact]
    public void OnCreating_RecurringRunWithRoomLeft_IsCreated()
    {
        Fill("small", 1);
        var context = _store.Creating(NightlyJob(), Recurring());

        _filter.OnCreating(context);

        Assert.False(context.Canceled);
    }

    [Fact]
    public void OnCreating_QueueFullWithAJobTakenAhead_IsSkipped()
    {
        Fill("small", 2);
        using (var fetched = _store.Connection.FetchNextJob(["small"], CancellationToken.None))
        {
            var filters = new JobFilterCollection { new TakenAhead.StateFilter(Catalog) };
            _store.ChangeState(fetched.JobId, new WorkerState(), filters);
            var context = _store.Creating(NightlyJob(), Recurring());

            _filter.OnCreating(context);

            Assert.True(context.Canceled);
        }
    }

    [Fact]
    public void OnCreating_RunThatIsNotRecurringOnAFullQueue_LeftToTheSubmitter()
    {
        Fill("small", 2);
        var context = _store.Creating(NightlyJob(), new Dictionary<string, object?>());

        _filter.OnCreating(context);

        Assert.False(context.Canceled);
    }

    public void Dispose() => _store.Dispose();

    private static Job NightlyJob() => Job.FromExpression<TaskRunJob>(j => j.Run("nightly", null, null, null, CancellationToken.None));

    private static Dictionary<string, object?> Recurring() => new() { ["RecurringJobId"] = "task:nightly" };

    private void Fill(string queue, int count)
    {
        using var transaction = _store.Connection.CreateWriteTransaction();
        for (var i = 0; i < count; i++)
        {
            transaction.AddToQueue(queue, _store.Create("nightly").Id);
        }

        transaction.Commit();
    }
}
