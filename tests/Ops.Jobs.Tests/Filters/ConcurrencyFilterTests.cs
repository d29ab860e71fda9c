using Hangfire.Server;
using Microsoft.Extensions.Logging.Abstractions;
using Ops.Jobs.Filters;
using Ops.Jobs.Running;
using Ops.Jobs.Specs;
using Ops.Jobs.Tests.Support;

namespace Ops.Jobs.Tests.Filters;

/// <summary>Slots are distributed locks of the shared storage; each run has its own connection, as each worker does.</summary>
public sealed class ConcurrencyFilterTests : IDisposable
{
    private readonly JobStore _store = new();
    private readonly ConcurrencyFilter _filter = new(
        new TaskCatalog([new TaskSpec { Name = "pair", Command = "/bin/true", Concurrency = 2 }, new TaskSpec { Name = "free", Command = "/bin/true" }], []),
        NullLogger<ConcurrencyFilter>.Instance);

    private readonly List<IDisposable> _connections = [];

    [Fact]
    public void OnPerforming_ConcurrencyTaken_ThrottlesTheNextRunUntilASlotIsGivenBack()
    {
        var first = Performing("pair");
        var second = Performing("pair");
        _filter.OnPerforming(first);
        _filter.OnPerforming(second);

        var ex = Assert.Throws<ConcurrencyLimitException>(() => _filter.OnPerforming(Performing("pair")));
        Assert.Equal("task pair already runs 2 time(s) across all hosts (Concurrency 2)", ex.Message);

        _filter.OnPerformed(new PerformedContext(first, null, false, null));
        _filter.OnPerforming(Performing("pair"));
        Assert.Throws<ConcurrencyLimitException>(() => _filter.OnPerforming(Performing("pair")));
    }

    [Fact]
    public void OnPerforming_NoConcurrency_TakesNoSlot()
    {
        var contexts = Enumerable.Range(0, 5).Select(_ => Performing("free")).ToList();

        foreach (var context in contexts)
        {
            _filter.OnPerforming(context);
            Assert.Empty(context.Items);
        }
    }

    public void Dispose()
    {
        foreach (var connection in _connections)
        {
            connection.Dispose();
        }

        _store.Dispose();
    }

    private PerformingContext Performing(string task)
    {
        var connection = _store.Storage.GetConnection();
        _connections.Add(connection);
        return new PerformingContext(new PerformContext(_store.Storage, connection, _store.Create(task), new Hangfire.JobCancellationToken(false)));
    }
}
