using Hangfire;
using Hangfire.Server;
using Hangfire.Storage;
using Ops.Jobs.Filters;
using Ops.Jobs.Specs;
using Ops.Jobs.Tests.Support;

namespace Ops.Jobs.Tests.Filters;

/// <summary>The gate as Hangfire's worker drives it: OnPerforming before the run, OnPerformed after.</summary>
public sealed class RunGateFilterTests : IDisposable
{
    /// <summary>How long a blocked worker is watched to stay blocked.</summary>
    private static readonly TimeSpan Blocked = TimeSpan.FromMilliseconds(300);

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private readonly JobStore _store = new();
    private readonly RunGateFilter _filter = new(new TaskCatalog([new TaskSpec { Name = "solo", Command = "/bin/true", Queue = "one" }], [new QueueSpec("one", 1, 10, Prefetch: 2)]));

    [Fact]
    public async Task OnPerforming_QueuesWorkersBusy_NextRunWaitsUntilARunEnds()
    {
        var first = new PerformingContext(_store.Perform(_store.Create("solo")));
        _filter.OnPerforming(first);

        var second = Task.Run(() => _filter.OnPerforming(new PerformingContext(_store.Perform(_store.Create("solo")))));
        Assert.True(await StaysBlockedAsync(second), "a second run started while the queue's one worker was busy");

        _filter.OnPerformed(new PerformedContext(first, null, false, null));
        await second.WaitAsync(Wait);
    }

    [Fact]
    public async Task OnPerforming_ServerStopsWhileWaiting_ThrowsAndHoldsNoSlot()
    {
        var first = new PerformingContext(_store.Perform(_store.Create("solo")));
        _filter.OnPerforming(first);
        using var token = new FakeJobCancellationToken();
        var waiting = new PerformingContext(_store.Perform(_store.Create("solo"), token));

        var second = Task.Run(() => _filter.OnPerforming(waiting));
        Assert.True(await StaysBlockedAsync(second), "a second run started while the queue's one worker was busy");
        token.Shutdown();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second.WaitAsync(Wait));
        Assert.Empty(waiting.Items);
        _filter.OnPerformed(new PerformedContext(first, null, false, null));
        var third = new PerformingContext(_store.Perform(_store.Create("solo")));
        await Task.Run(() => _filter.OnPerforming(third)).WaitAsync(Wait);
    }

    [Fact]
    public async Task OnPerformed_RunThatNeverEnteredTheGate_GivesNothingBack()
    {
        var outside = new PerformingContext(_store.Perform(_store.Create("gone")));
        _filter.OnPerforming(outside);
        _filter.OnPerformed(new PerformedContext(outside, null, false, null));

        var first = new PerformingContext(_store.Perform(_store.Create("solo")));
        _filter.OnPerforming(first);
        var second = Task.Run(() => _filter.OnPerforming(new PerformingContext(_store.Perform(_store.Create("solo")))));
        Assert.True(await StaysBlockedAsync(second), "a run outside the gate gave a slot back");
        _filter.OnPerformed(new PerformedContext(first, null, false, null));
        await second.WaitAsync(Wait);
    }

    [Fact]
    public async Task OnPerforming_StorageFailsToDropTheTakenAheadEntry_RunStartsAndGivesItsSlotBack()
    {
        var job = _store.Create("solo");
        var failing = new PerformingContext(new PerformContext(_store.Storage, WritesFail.Over(_store.Connection), job, new JobCancellationToken(false)));

        _filter.OnPerforming(failing);
        _filter.OnPerformed(new PerformedContext(failing, null, false, null));

        // The queue has one worker: the next run starts only if the failed write did not keep the slot.
        var next = new PerformingContext(_store.Perform(_store.Create("solo")));
        await Task.Run(() => _filter.OnPerforming(next)).WaitAsync(Wait);
    }

    public void Dispose() => _store.Dispose();

    /// <summary>A storage connection whose write transactions cannot be opened (a storage failing mid-run).</summary>
    public class WritesFail : System.Reflection.DispatchProxy
    {
        private IStorageConnection _inner = null!;

        public static IStorageConnection Over(IStorageConnection inner)
        {
            var proxy = Create<IStorageConnection, WritesFail>();
            ((WritesFail)(object)proxy)._inner = inner;
            return proxy;
        }

        protected override object? Invoke(System.Reflection.MethodInfo? targetMethod, object?[]? args) =>
            targetMethod?.Name == nameof(IStorageConnection.CreateWriteTransaction)
                ? throw new InvalidOperationException("storage down")
                : targetMethod!.Invoke(_inner, args);
    }

    private static async Task<bool> StaysBlockedAsync(Task run) => await Task.WhenAny(run, Task.Delay(Blocked)) != run;
}
