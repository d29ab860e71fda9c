using Hangfire.Common;
using Hangfire.States;
using Hangfire.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Ops.Jobs.Filters;
using Ops.Jobs.Metrics;
using Ops.Jobs.Running;
using Ops.Jobs.Specs;
using Ops.Jobs.Tests.Support;

namespace Ops.Jobs.Tests.Filters;

/// <summary>The retry policy as a filter, over a real in-memory storage and Hangfire's own state changer.</summary>
public sealed class RetryFilterTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 5, 4, 3, 2, 1, 250, TimeSpan.Zero);

    private readonly JobStore _store = new();
    private readonly FakeTimeProvider _time = new(Now);
    private readonly TaskMetrics _metrics = new();
    private readonly RetryFilter _filter;
    private readonly JobFilterCollection _filters = [];

    public RetryFilterTests()
    {
        var catalog = new TaskCatalog(
            [new TaskSpec { Name = "flaky", Command = "/bin/false", Retries = 3, RetryDelays = [TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1)] }],
            []);
        _filter = new RetryFilter(catalog, _time, _metrics, NullLogger<RetryFilter>.Instance);
        _filters.Add(_filter);
    }

    [Fact]
    public void OnStateElection_FirstAttemptFails_SchedulesTheFirstDelayFromNowRoundedUpToTheSecond()
    {
        var job = _store.Create("flaky", Attempt(1));
        var context = _store.Elect(job, new FailedState(new TaskRunFailedException("exit 1 (stderr: disk on fire)\nlast stderr lines:\ndisk on fire", 1)));

        _filter.OnStateElection(context);

        var scheduled = Assert.IsType<ScheduledState>(context.CandidateState);
        Assert.Equal(new DateTime(2026, 5, 4, 3, 2, 12, DateTimeKind.Utc), scheduled.EnqueueAt);
        Assert.Equal("Retry 1/3 in 00:00:10 after: exit 1 (stderr: disk on fire)", scheduled.Reason);
        Assert.Equal(1, Count("retried"));
    }

    [Fact]
    public void OnStateElection_NowOnAWholeSecond_SchedulesExactlyTheDelay()
    {
        _time.Advance(TimeSpan.FromMilliseconds(750));
        var context = _store.Elect(_store.Create("flaky", Attempt(1)), new FailedState(new TaskRunFailedException("exit 1")));

        _filter.OnStateElection(context);

        Assert.Equal(new DateTime(2026, 5, 4, 3, 2, 12, DateTimeKind.Utc), Assert.IsType<ScheduledState>(context.CandidateState).EnqueueAt);
    }

    [Theory]
    [InlineData(2, 60)]
    [InlineData(3, 60)]
    public void OnStateElection_LaterAttemptsFail_UseTheirDelayAndTheLastOneRepeats(int attempt, int seconds)
    {
        _time.Advance(TimeSpan.FromMilliseconds(750));
        var context = _store.Elect(_store.Create("flaky", Attempt(attempt)), new FailedState(new TaskRunFailedException("exit 1")));

        _filter.OnStateElection(context);

        var scheduled = Assert.IsType<ScheduledState>(context.CandidateState);
        Assert.Equal(new DateTime(2026, 5, 4, 3, 2, 2, DateTimeKind.Utc).AddSeconds(seconds), scheduled.EnqueueAt);
        Assert.StartsWith($"Retry {attempt}/3 in ", scheduled.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void OnStateElection_LastAttemptFails_StaysFailedAndCountsOneFailure()
    {
        var failed = new FailedState(new TaskRunFailedException("exit 1"));
        var context = _store.Elect(_store.Create("flaky", Attempt(4)), failed);

        _filter.OnStateElection(context);

        Assert.Same(failed, context.CandidateState);
        Assert.Equal((1, 0), (Count("failed"), Count("retried")));
    }

    [Fact]
    public void OnStateElection_AttemptsExhaustedBeforeTheRun_StaysFailedWhateverTheAttemptSays()
    {
        var failed = new FailedState(new AttemptsExhaustedException("attempt 5 would pass 1 + Retries (4)"));
        var context = _store.Elect(_store.Create("flaky", Attempt(1)), failed);

        _filter.OnStateElection(context);

        Assert.Same(failed, context.CandidateState);
        Assert.Equal(1, Count("failed"));
    }

    [Fact]
    public void OnStateElection_Throttled_WaitsTheConcurrencyPauseWithoutCountingARetry()
    {
        var context = _store.Elect(_store.Create("flaky", Attempt(1)), new FailedState(new ConcurrencyLimitException("task flaky already runs 1 time(s)")));

        _filter.OnStateElection(context);

        var scheduled = Assert.IsType<ScheduledState>(context.CandidateState);
        Assert.Equal(new DateTime(2026, 5, 4, 3, 2, 4, DateTimeKind.Utc), scheduled.EnqueueAt);
        Assert.Equal("task flaky already runs 1 time(s)", scheduled.Reason);
        Assert.Empty(_metrics.Runs());
    }

    [Fact]
    public void OnStateElection_ForeignException_ReasonNamesItsType()
    {
        var context = _store.Elect(_store.Create("flaky", Attempt(1)), new FailedState(new InvalidOperationException("storage went away\nat ...")));

        _filter.OnStateElection(context);

        Assert.EndsWith("after: InvalidOperationException: storage went away", Assert.IsType<ScheduledState>(context.CandidateState).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void OnStateElection_UnknownTask_LeavesTheFailure()
    {
        var failed = new FailedState(new TaskRunFailedException("exit 1"));
        var context = _store.Elect(_store.Create("gone", Attempt(1)), failed);

        _filter.OnStateElection(context);

        Assert.Same(failed, context.CandidateState);
        Assert.Empty(_metrics.Runs());
    }

    [Fact]
    public void ChangeState_AttemptFailsWithRetriesLeft_ListedOnTheRetriesPageUntilTheRetryIsEnqueued()
    {
        var id = Processing(attempt: 1);

        Fail(id);

        Assert.Equal(ScheduledState.StateName, _store.State(id));
        Assert.Equal([id], RetriesPage());
        Assert.Equal(new DateTime(2026, 5, 4, 3, 2, 12, DateTimeKind.Utc), JobHelper.DeserializeDateTime(_store.Connection.GetStateData(id).Data["EnqueueAt"]));

        // As the schedule poller does once it is due; the run then succeeds.
        _store.ChangeState(id, new EnqueuedState("default"), _filters);
        Assert.Empty(RetriesPage());
        _store.ChangeState(id, new WorkerState(), _filters);
        _store.ChangeState(id, new SucceededState(null, 1, 1), _filters);
        Assert.Equal(SucceededState.StateName, _store.State(id));
        Assert.Empty(RetriesPage());
    }

    [Fact]
    public void ChangeState_WaitingRetryDeletedInTheConsole_LeavesTheRetriesPage()
    {
        var id = Processing(attempt: 1);
        Fail(id);
        Assert.Equal([id], RetriesPage());

        _store.ChangeState(id, new DeletedState(), _filters);

        Assert.Equal(DeletedState.StateName, _store.State(id));
        Assert.Empty(RetriesPage());
    }

    [Fact]
    public void ChangeState_LastAttemptFails_FailedAndNotOnTheRetriesPage()
    {
        var id = Processing(attempt: 3);
        Fail(id);
        Assert.Equal([id], RetriesPage());
        _store.ChangeState(id, new EnqueuedState("default"), _filters);
        _store.ChangeState(id, new WorkerState(), _filters);
        _store.Connection.SetJobParameter(id, JobParameters.Attempt, "4");

        Fail(id);

        Assert.Equal(FailedState.StateName, _store.State(id));
        Assert.Empty(RetriesPage());
    }

    [Fact]
    public void ChangeState_Throttled_WaitsScheduledButIsNoRetry()
    {
        var id = Processing(attempt: 0);

        _store.ChangeState(id, new FailedState(new ConcurrencyLimitException("task flaky already runs 1 time(s)")), _filters);

        Assert.Equal(ScheduledState.StateName, _store.State(id));
        Assert.Empty(RetriesPage());
    }

    public void Dispose() => _store.Dispose();

    private static Dictionary<string, string?> Attempt(int attempt) => new() { [JobParameters.Attempt] = attempt.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    private string Processing(int attempt)
    {
        var id = _store.Create("flaky", attempt > 0 ? Attempt(attempt) : null).Id;
        _store.ChangeState(id, new EnqueuedState("default"), _filters);
        _store.ChangeState(id, new WorkerState(), _filters);
        return id;
    }

    private void Fail(string id) => _store.ChangeState(id, new FailedState(new TaskRunFailedException("exit 1")), _filters);

    /// <summary>What Hangfire's Retries page lists: the first page of the "retries" set, read as the page reads it.</summary>
    private List<string> RetriesPage()
    {
        var connection = (JobStorageConnection)_store.Connection;
        Assert.Equal(connection.GetSetCount("retries"), connection.GetRangeFromSet("retries", 0, 19).Count);
        return connection.GetRangeFromSet("retries", 0, 19);
    }

    private long Count(string outcome) => _metrics.Runs().Where(r => r.Task == "flaky" && r.Outcome == outcome).Sum(r => r.Count);
}
