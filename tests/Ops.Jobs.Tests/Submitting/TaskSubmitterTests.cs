using Hangfire.Common;
using Hangfire.States;
using Hangfire.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Ops.Jobs.Filters;
using Ops.Jobs.Queries;
using Ops.Jobs.Specs;
using Ops.Jobs.Storage;
using Ops.Jobs.Submitting;
using Ops.Jobs.Tests.Support;

namespace Ops.Jobs.Tests.Submitting;

/// <summary>The submitter against a real (in-memory) Hangfire storage with no server: jobs stay enqueued.</summary>
public sealed class TaskSubmitterTests : IDisposable
{
    private readonly JobStorageHost _storage = new(StorageSpec.Default, NullLogger<JobStorageHost>.Instance, TimeProvider.System);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 5, 4, 3, 2, 1, TimeSpan.Zero));
    private readonly TaskSubmitter _submitter;
    private readonly TaskCatalog _catalog;

    public TaskSubmitterTests()
    {
        var catalog = _catalog = new TaskCatalog(
            [new TaskSpec { Name = "map", Command = "/bin/true", Queue = "small" }, new TaskSpec { Name = "open", Command = "/bin/true", AllowArgs = true }],
            [new QueueSpec("small", 1, 3)]);
        _submitter = new TaskSubmitter(catalog, _storage, _time, NullLogger<TaskSubmitter>.Instance);
    }

    [Fact]
    public void Submit_PastCapacity_RefusedWholeAndNothingEnqueued()
    {
        Assert.IsType<SubmitResult.Accepted>(_submitter.Submit("map", null, ["1", "2"]));

        var refused = Assert.IsType<SubmitResult.AtCapacity>(_submitter.Submit("map", null, ["3", "4"]));

        Assert.Equal(("small", 3, 2L, 2), (refused.Queue, refused.Capacity, refused.Length, refused.Requested));
        Assert.Equal(2, Enqueued("small"));
    }

    [Fact]
    public void Submit_MoreItemsThanTheWholeCapacity_TooLargeWithTheSplitAndNothingEnqueued()
    {
        var refused = Assert.IsType<SubmitResult.TooLarge>(_submitter.Submit("map", null, ["1", "2", "3", "4", "5", "6", "7"]));

        Assert.Equal(("small", 3, 7, 3), (refused.Queue, refused.Capacity, refused.Requested, refused.Batches));
        Assert.Equal(0, Enqueued("small"));
    }

    [Fact]
    public void Submit_UpToCapacity_AllEnqueuedThenTheNextRefused()
    {
        var accepted = Assert.IsType<SubmitResult.Accepted>(_submitter.Submit("map", null, ["1", "2", "3"]));
        Assert.Equal(3, accepted.JobIds.Distinct().Count());
        Assert.Equal(3, Enqueued("small"));
        var monitoring = _storage.Require().GetMonitoringApi();
        foreach (var (id, item) in accepted.JobIds.Zip(["1", "2", "3"]))
        {
            var details = monitoring.JobDetails(id);
            var enqueued = Assert.Single(details.History);
            Assert.Equal(("Enqueued", "small"), (enqueued.StateName, enqueued.Data["Queue"]));
            Assert.Equal(["map", null, item], details.Job.Args.Take(3).Select(a => a as string));
        }


        var refused = Assert.IsType<SubmitResult.AtCapacity>(_submitter.Submit("map", null, ["4"]));
        Assert.Equal(3, refused.Length);
        Assert.Equal(3, Enqueued("small"));
    }

    [Fact]
    public void Submit_JobTakenAheadByAHost_CountsAgainstCapacity()
    {
        Assert.IsType<SubmitResult.Accepted>(_submitter.Submit("map", null, ["1"]));
        using var fetched = TakeAhead("small");

        var refused = Assert.IsType<SubmitResult.AtCapacity>(_submitter.Submit("map", null, ["2", "3", "4"]));

        Assert.Equal(1, refused.Length);
        Assert.Equal(0, Enqueued("small"));
        Assert.IsType<SubmitResult.Accepted>(_submitter.Submit("map", null, ["2", "3"]));
    }

    [Fact]
    public void JobQueries_JobTakenAheadButNotStarted_ReadsAsEnqueuedNotProcessing()
    {
        var id = Assert.IsType<SubmitResult.Accepted>(_submitter.Submit("map", null, ["1"])).JobIds.Single();
        using var fetched = TakeAhead("small");
        var queries = new JobQueries(_storage, _catalog);

        Assert.Equal(("Enqueued", "small"), (queries.Get(id)!.State, queries.Get(id)!.Queue));
        Assert.Empty(queries.List("Processing", null, 10));
        Assert.Equal([id], queries.List("Enqueued", null, 10).Select(j => j.Id));
        Assert.Equal([id], queries.List("Enqueued", "map", 10).Select(j => j.Id));
        Assert.Empty(queries.List("Enqueued", "open", 10));
    }

    [Fact]
    public void Submit_BadRequests_NameTheField()
    {
        Assert.IsType<SubmitResult.UnknownTask>(_submitter.Submit("nope", null, null));
        Assert.Equal("args", Assert.IsType<SubmitResult.Invalid>(_submitter.Submit("map", ["--x"], null)).Field);
        Assert.Equal("items", Assert.IsType<SubmitResult.Invalid>(_submitter.Submit("map", null, [])).Field);
        Assert.Single(Assert.IsType<SubmitResult.Accepted>(_submitter.Submit("open", ["--x"], null)).JobIds);
        Assert.Equal(1, Enqueued("default"));
    }

    [Fact]
    public void Submit_ArgsAndItems_OneJobPerItemOnTheTasksQueueWithTheArgsAsJson()
    {
        var accepted = Assert.IsType<SubmitResult.Accepted>(_submitter.Submit("open", ["--x", "a b"], ["{\"n\":1}", "2"]));

        var monitoring = _storage.Require().GetMonitoringApi();
        Assert.Equal(
            [("open", "[\"--x\",\"a b\"]", "{\"n\":1}"), ("open", "[\"--x\",\"a b\"]", "2")],
            accepted.JobIds.Select(id => monitoring.JobDetails(id).Job.Args).Select(a => ((string)a[0], (string)a[1], (string)a[2])));
        Assert.All(accepted.JobIds, id => Assert.Equal("Requested through the API", monitoring.JobDetails(id).History[0].Reason));
        Assert.Equal(2, Enqueued("default"));
    }

    [Fact]
    public void Submit_MoreThanMaxItems_InvalidBeforeTheStorageIsAsked()
    {
        var items = Enumerable.Repeat("1", TaskSubmitter.MaxItems + 1).ToList();

        var invalid = Assert.IsType<SubmitResult.Invalid>(_submitter.Submit("open", null, items));

        Assert.Equal("items", invalid.Field);
        Assert.Equal(0, Enqueued("default"));
    }

    [Fact]
    public void Submit_StorageNotConnected_UnavailableNamingItAndNothingThrown()
    {
        var spec = StorageSpec.Default with { Provider = StorageProvider.PostgreSql, ConnectionString = "Host=db.invalid;Database=ops" };
        using var down = new JobStorageHost(spec, NullLogger<JobStorageHost>.Instance, _time);
        var submitter = new TaskSubmitter(new TaskCatalog([new TaskSpec { Name = "map", Command = "/bin/true" }], []), down, _time, NullLogger<TaskSubmitter>.Instance);

        var unavailable = Assert.IsType<SubmitResult.Unavailable>(submitter.Submit("map", null, null));

        Assert.Contains("PostgreSql at db.invalid", unavailable.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _storage.Dispose();

    /// <summary>What a host's worker does with a job it takes ahead: fetch it, then mark it Processing.</summary>
    private IFetchedJob TakeAhead(string queue)
    {
        var storage = _storage.Require();
        using var connection = storage.GetConnection();
        var fetched = connection.FetchNextJob([queue], CancellationToken.None);
        var filters = new JobFilterCollection { new TakenAhead.StateFilter(_catalog) };
        new BackgroundJobStateChanger(filters).ChangeState(new StateChangeContext(storage, connection, fetched.JobId, new WorkerState()));
        return fetched;
    }

    private long Enqueued(string queue) => _storage.Require().GetMonitoringApi().EnqueuedCount(queue);
}
