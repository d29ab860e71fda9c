using System.Diagnostics;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Ops.Benchmarks.Infrastructure;

namespace Ops.Benchmarks.Scenarios.TaskThroughput;

/// <summary>
/// The Hangfire baseline, in this process: one BackgroundJobServer with the row's workers on one queue, whose job
/// (<see cref="TrueJob"/>) starts the command with System.Diagnostics.Process and waits for it. After a warm-up batch,
/// every run is enqueued up front; the time is from the first enqueue until the state change that makes the last
/// job Succeeded.
/// </summary>
internal static class RawHangfire
{
    private const string Queue = "bench";

    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Measures one batch on <paramref name="storage"/>; throws naming how far it got when a batch takes longer than
    /// the plan's timeout. <paramref name="storageCpu"/> reads the storage server's CPU time when it has one.
    /// </summary>
    public static async Task<Throughput> RunAsync(string label, JobStorage storage, ThroughputPlan plan, Func<TimeSpan>? storageCpu, CancellationToken cancellationToken)
    {
        using var server = await Server.StartAsync(label, storage, plan, storageCpu, cancellationToken);
        return await server.BatchAsync(cancellationToken);
    }

    /// <summary>A running BackgroundJobServer, warmed up, that measures one batch per <see cref="BatchAsync"/>.</summary>
    internal sealed class Server : IDisposable
    {
        private readonly string _label;
        private readonly JobStorage _storage;
        private readonly ThroughputPlan _plan;
        private readonly Func<TimeSpan>? _storageCpu;
        private readonly SucceededCounter _counter;
        private readonly BackgroundJobServer _server;
        private readonly BackgroundJobClient _client;

        private Server(string label, JobStorage storage, ThroughputPlan plan, Func<TimeSpan>? storageCpu, SucceededCounter counter, BackgroundJobServer server)
        {
            (_label, _storage, _plan, _storageCpu, _counter, _server) = (label, storage, plan, storageCpu, counter, server);
            _client = new BackgroundJobClient(storage);
        }

        /// <summary>Starts the server and runs the warm-up batch (JIT, connection pool and workers warm, as in opsd's row).</summary>
        public static async Task<Server> StartAsync(string label, JobStorage storage, ThroughputPlan plan, Func<TimeSpan>? storageCpu, CancellationToken cancellationToken)
        {
            var counter = new SucceededCounter();
            var filters = new JobFilterCollection { counter };
            var options = new BackgroundJobServerOptions
            {
                ServerName = $"bench-{Queue}-{Environment.ProcessId}",
                WorkerCount = plan.Workers,
                Queues = [Queue],
                ShutdownTimeout = ShutdownTimeout,

                // Hangfire's own filters (the global ones and attributes), plus the counter for these jobs only.
                FilterProvider = new JobFilterProviderCollection(JobFilterProviders.Providers, filters),
            };
            var server = new Server(label, storage, plan, storageCpu, counter, new BackgroundJobServer(options, storage));
            try
            {
                var started = Stopwatch.GetTimestamp();
                await EnqueueAndWaitAsync(label, storage, server._client, counter, plan.Command, plan.WarmupRuns, plan.Timeout, cancellationToken);
                server.WarmupRunsPerSecond = plan.WarmupRuns / Stopwatch.GetElapsedTime(started, counter.LastAt).TotalSeconds;
                return server;
            }
            catch
            {
                server.Dispose();
                throw;
            }
        }

        /// <summary>The warm-up batch's rate: what a freshly started server does.</summary>
        public double WarmupRunsPerSecond { get; private set; }

        /// <summary>Enqueues the plan's runs up front and measures until the last one has Succeeded.</summary>
        public async Task<Throughput> BatchAsync(CancellationToken cancellationToken)
        {
            var threads = ThreadProfile.Start(Environment.ProcessId);
            var harnessBefore = OwnCpu();
            var childrenBefore = ChildrenCpu();
            var storageBefore = _storageCpu?.Invoke();
            var started = Stopwatch.GetTimestamp();
            var enqueued = await EnqueueAndWaitAsync(_label, _storage, _client, _counter, _plan.Command, _plan.Runs, _plan.Timeout, cancellationToken);
            var elapsed = Stopwatch.GetElapsedTime(started, _counter.LastAt);
            List<CpuShare> cpu = [new("harness", OwnCpu() - harnessBefore), new("runs", ChildrenCpu() - childrenBefore)];
            if (_storageCpu is not null && storageBefore is { } before)
            {
                cpu.Add(new CpuShare("postgres", _storageCpu() - before));
            }

            return new Throughput(_plan.Runs, elapsed, "first enqueue to last Succeeded state change (filter)")
            {
                Submit = enqueued,
                Cpu = cpu,
                Notes = [threads.Describe($"{_label} (the harness)", _plan.Runs)],
            };
        }

        public void Dispose()
        {
            _server.SendStop();
            _server.Dispose();
        }
    }

    /// <summary>Enqueues <paramref name="runs"/> jobs and waits until all have Succeeded; returns how long the enqueueing took.</summary>
    private static async Task<TimeSpan> EnqueueAndWaitAsync(
        string label,
        JobStorage storage,
        BackgroundJobClient client,
        SucceededCounter counter,
        string command,
        int runs,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var allSucceeded = counter.Expect(runs);
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < runs; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            client.Create(Job.FromExpression(() => TrueJob.RunAsync(command, CancellationToken.None)), new EnqueuedState(Queue));
        }

        var enqueued = Stopwatch.GetElapsedTime(started);
        try
        {
            await allSucceeded.WaitAsync(timeout > enqueued ? timeout - enqueued : TimeSpan.Zero, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{label}: only {counter.Count} of {runs} runs Succeeded within {timeout.TotalSeconds:0} s; {Describe(storage)}");
        }

        return enqueued;
    }

    /// <summary>What the storage holds now, and why the newest failed or retried job did, for a timeout message.</summary>
    private static string Describe(JobStorage storage)
    {
        var monitoring = storage.GetMonitoringApi();
        var stats = monitoring.GetStatistics();
        var text = $"storage: {stats.Enqueued} enqueued, {stats.Processing} processing, {stats.Scheduled} scheduled, {stats.Failed} failed, {stats.Succeeded} succeeded";
        if (monitoring.FailedJobs(0, 1).FirstOrDefault() is { Value: { } failed })
        {
            text += $"; last failure: {failed.ExceptionType}: {failed.ExceptionMessage}";
        }

        if (monitoring.ScheduledJobs(0, 1).FirstOrDefault() is { Key: { } scheduledId } && monitoring.JobDetails(scheduledId)?.History?.FirstOrDefault() is { } state)
        {
            text += $"; job {scheduledId} is {state.StateName}: {state.Reason}";
        }

        return text;
    }

    /// <summary>This process's CPU time so far (every thread: Hangfire's workers, the spawns, the storage's dispatchers).</summary>
    private static TimeSpan OwnCpu() =>
        ProcFs.TryReadCpu(Environment.ProcessId)?.Own ?? throw new InvalidOperationException("cannot read /proc/self/stat");

    /// <summary>The CPU time of this process's reaped children so far: the runs of <c>/bin/true</c>.</summary>
    internal static TimeSpan ChildrenCpu() =>
        ProcFs.TryReadCpu(Environment.ProcessId)?.ReapedChildren ?? throw new InvalidOperationException("cannot read /proc/self/stat");
}
