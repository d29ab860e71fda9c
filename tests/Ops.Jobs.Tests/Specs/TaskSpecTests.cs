using Ops.Jobs.Specs;

namespace Ops.Jobs.Tests.Specs;

public sealed class TaskSpecTests
{
    [Fact]
    public void RetryDelay_PastTheList_LastDelayRepeats()
    {
        var spec = new TaskSpec { Name = "t", Command = "x", RetryDelays = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)] };

        Assert.Equal(TimeSpan.FromSeconds(1), spec.RetryDelay(1));
        Assert.Equal(TimeSpan.FromSeconds(5), spec.RetryDelay(2));
        Assert.Equal(TimeSpan.FromSeconds(5), spec.RetryDelay(7));
    }

    [Fact]
    public void Defaults_MatchTheDesign()
    {
        var spec = new TaskSpec { Name = "t", Command = "x" };

        Assert.Equal("default", spec.Queue);
        Assert.Equal(TimeSpan.FromMinutes(30), spec.Timeout);
        Assert.Equal(4, spec.MaxAttempts);
        Assert.Equal([TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5)], spec.RetryDelays);
        Assert.False(spec.AllowArgs);
    }

    [Fact]
    public void Catalog_DefaultQueueUndeclared_IsAddedAndQueuesAreOrdered()
    {
        var catalog = new TaskCatalog([], [new QueueSpec("io", 8, 50), new QueueSpec("cpu", 2, 10)]);

        Assert.Equal(["cpu", "default", "io"], catalog.Queues.Select(q => q.Name));
        Assert.Equal(QueueSpec.DefaultCapacity, catalog.Queue("default").Capacity);
    }

    [Fact]
    public void StorageDescribe_PostgreSql_NamesHostPortAndDatabaseButNeverThePassword()
    {
        var spec = StorageSpec.Default with { Provider = StorageProvider.PostgreSql, ConnectionString = "Host=db1;Port=5433;Database=ops;Username=ops;Password=hunter2" };

        var text = spec.Describe();

        Assert.Equal("PostgreSql at db1:5433/ops (schema ops)", text);
        Assert.DoesNotContain("hunter2", text, StringComparison.Ordinal);
    }
}
