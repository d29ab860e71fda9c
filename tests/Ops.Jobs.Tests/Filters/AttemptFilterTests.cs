using Hangfire.Server;
using Ops.Jobs.Filters;
using Ops.Jobs.Running;
using Ops.Jobs.Specs;
using Ops.Jobs.Tests.Support;

namespace Ops.Jobs.Tests.Filters;

public sealed class AttemptFilterTests : IDisposable
{
    private readonly JobStore _store = new();
    private readonly AttemptFilter _filter = new(new TaskCatalog([new TaskSpec { Name = "once", Command = "/bin/true", Retries = 1 }], []));

    [Fact]
    public void OnPerforming_FirstRun_CountsAttemptOneInTheJobAndHandsItToTheRun()
    {
        var job = _store.Create("once");
        var context = new PerformingContext(_store.Perform(job));

        _filter.OnPerforming(context);

        Assert.Equal("1", _store.Parameter(job.Id, JobParameters.Attempt));
        Assert.Equal(1, context.Items[JobParameters.AttemptItem]);
    }

    [Fact]
    public void OnPerforming_RetryAfterOneAttempt_CountsTheNextFromTheSnapshot()
    {
        var job = _store.Create("once", new Dictionary<string, string?> { [JobParameters.Attempt] = "1" });
        var context = new PerformingContext(_store.Perform(job));

        _filter.OnPerforming(context);

        Assert.Equal("2", _store.Parameter(job.Id, JobParameters.Attempt));
        Assert.Equal(2, context.Items[JobParameters.AttemptItem]);
    }

    [Fact]
    public void OnPerforming_AllAttemptsUsedByInterruptedRuns_FailsWithTheReasonInsteadOfRunning()
    {
        var job = _store.Create("once", new Dictionary<string, string?> { [JobParameters.Attempt] = "2" });
        var context = new PerformingContext(_store.Perform(job));

        var ex = Assert.Throws<AttemptsExhaustedException>(() => _filter.OnPerforming(context));

        Assert.StartsWith("attempt 3 would pass 1 + Retries (2)", ex.Message, StringComparison.Ordinal);
        Assert.Equal("3", _store.Parameter(job.Id, JobParameters.Attempt));
        Assert.Contains("attempt 3 would pass 1 + Retries (2)", _store.Parameter(job.Id, JobParameters.Outcome), StringComparison.Ordinal);
    }

    [Fact]
    public void OnPerforming_UnknownTask_CountsNothing()
    {
        var job = _store.Create("gone");
        var context = new PerformingContext(_store.Perform(job));

        _filter.OnPerforming(context);

        Assert.Null(_store.Parameter(job.Id, JobParameters.Attempt));
        Assert.False(context.Items.ContainsKey(JobParameters.AttemptItem));
    }

    public void Dispose() => _store.Dispose();
}
