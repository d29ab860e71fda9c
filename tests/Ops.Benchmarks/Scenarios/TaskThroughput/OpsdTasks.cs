using System.Diagnostics;
using System.Globalization;
using Ops.Benchmarks.Infrastructure;
using Ops.Benchmarks.Supervisors;

namespace Ops.Benchmarks.Scenarios.TaskThroughput;

/// <summary>
/// opsd as a process with one task running the command on its own queue. After a warm-up batch, every run of a
/// batch is submitted in one POST; the time is from just before the POST until the last job's FinishedAt (the time opsd
/// recorded its Succeeded state), so how often the harness polls does not change the number.
/// </summary>
internal static class OpsdTasks
{
    public const string TaskName = "true";

    private const string Queue = "bench";

    /// <summary>The capacity when the runs fit under it: opsd's default.</summary>
    private const int DefaultCapacity = 10_000;

    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);
    /// <summary>How often the harness asks opsd whether the newest job is done.</summary>
    private static readonly TimeSpan ApiPollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>A running opsd with the task, warmed up, that measures one batch per <see cref="BatchAsync"/>; disposing stops it.</summary>
    internal sealed class Session : IAsyncDisposable
    {
        private readonly Opsd _opsd;
        private readonly string _label;
        private readonly ThroughputPlan _plan;
        private readonly Func<TimeSpan>? _storageCpu;

        private Session(Opsd opsd, string label, ThroughputPlan plan, Func<TimeSpan>? storageCpu) =>
            (_opsd, _label, _plan, _storageCpu) = (opsd, label, plan, storageCpu);

        /// <summary>
        /// Starts opsd on InMemory, or on PostgreSql when <paramref name="postgresConnectionString"/> is given, waits
        /// until it is ready and runs the warm-up batch. <paramref name="storageCpu"/> reads the storage server's CPU
        /// time when it has one.
        /// </summary>
        public static async Task<Session> StartAsync(
            BenchContext context,
            string label,
            ThroughputPlan plan,
            string? postgresConnectionString,
            Func<TimeSpan>? storageCpu,
            CancellationToken cancellationToken)
        {
            var pollInterval = string.Create(CultureInfo.InvariantCulture, $"{plan.PollInterval.TotalMilliseconds:0}ms");
            var setup = new OpsdTaskSetup(TaskName, plan.Command, Queue, plan.Workers, Math.Max(DefaultCapacity, plan.Runs), postgresConnectionString, pollInterval);
            var work = context.NewWorkDirectory(postgresConnectionString is null ? "task-throughput-opsd-inmemory" : "task-throughput-opsd-postgresql");
            var session = new Session(Opsd.Start(work, [], context.Janitor, setup), label, plan, storageCpu);
            try
            {
                await session._opsd.WaitReadyAsync(ReadyTimeout, cancellationToken);
                var started = Stopwatch.GetTimestamp();
                var warmup = await session._opsd.SubmitRunsAsync(TaskName, Items(plan.WarmupRuns), plan.Timeout, cancellationToken);
                await WaitAllFinishedAsync(session._opsd, label, warmup, plan.Timeout, () => { }, cancellationToken);
                session.WarmupRunsPerSecond = plan.WarmupRuns / Stopwatch.GetElapsedTime(started).TotalSeconds;
                return session;
            }
            catch
            {
                await session.DisposeAsync();
                throw;
            }
        }

        /// <summary>The warm-up batch's rate, polling included: what a freshly started opsd does.</summary>
        public double WarmupRunsPerSecond { get; private set; }

        /// <summary>One measured POST of the plan's runs until all are finished.</summary>
        public Task<Throughput> BatchAsync(string label, CancellationToken cancellationToken) =>
            OpsdTasks.BatchAsync(_opsd, label, _plan.Runs, _storageCpu, _plan.Timeout, cancellationToken);

        public async ValueTask DisposeAsync()
        {
            try
            {
                var (exitCode, took) = await _opsd.Process.StopAsync(StopTimeout);
                if (exitCode != 0)
                {
                    Console.Error.WriteLine($"{_label}: opsd did not stop cleanly on SIGTERM ({(exitCode is { } code ? $"exit code {code}" : "killed")} after {took.TotalSeconds:0.0} s); its last output:{Environment.NewLine}{_opsd.Process.Tail()}");
                }
            }
            finally
            {
                _opsd.Dispose();
            }
        }
    }

    /// <summary>One measured POST of <paramref name="runs"/> items until all are finished, with opsd's (and the storage's) CPU.</summary>
    private static async Task<Throughput> BatchAsync(Opsd opsd, string label, int runs, Func<TimeSpan>? storageCpu, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var threads = ThreadProfile.Start(opsd.Process.Pid);
        var opsdBefore = OpsdCpu(opsd);
        var runsBefore = RunsCpu(opsd);
        var storageBefore = storageCpu?.Invoke();
        List<CpuShare> cpu = [];
        string? threadNote = null;

        // Read once the newest job is done, before the harness reads every job back: that reading is not opsd's cost.
        void TakeCpu()
        {
            cpu.Add(new CpuShare("opsd", OpsdCpu(opsd) - opsdBefore));
            cpu.Add(new CpuShare("runs", RunsCpu(opsd) - runsBefore));
            if (storageCpu is not null && storageBefore is { } before)
            {
                cpu.Add(new CpuShare("postgres", storageCpu() - before));
            }

            threadNote = threads.Describe($"{label} (opsd)", runs);
        }

        var postAt = DateTime.UtcNow;
        var started = Stopwatch.GetTimestamp();
        var ids = await opsd.SubmitRunsAsync(TaskName, Items(runs), timeout, cancellationToken);
        var submitted = Stopwatch.GetElapsedTime(started);
        var jobs = await WaitAllFinishedAsync(opsd, label, ids, timeout - submitted, TakeCpu, cancellationToken);
        var seen = Stopwatch.GetElapsedTime(started);
        var measured = Measure(label, jobs, postAt, seen);
        return measured with { Submit = submitted, Cpu = cpu, Notes = [.. measured.Notes, threadNote!] };
    }

    private static List<int> Items(int count) => [.. Enumerable.Range(1, count)];

    /// <summary>POST to the last FinishedAt when every job has one; else POST until the poll saw the last one.</summary>
    private static Throughput Measure(string label, IReadOnlyList<OpsdJob> jobs, DateTime postAt, TimeSpan seen)
    {
        var failed = jobs.FirstOrDefault(j => j.State != "Succeeded");
        if (failed is not null)
        {
            throw new InvalidOperationException($"{label}: job {failed.Id} ended {failed.State}: {failed.Reason}; {jobs.Count(j => j.State != "Succeeded")} of {jobs.Count} runs did not succeed");
        }

        if (jobs.Any(j => j.FinishedAt is null))
        {
            return new Throughput(jobs.Count, seen, "POST until the poll saw all Succeeded (no FinishedAt in the job views)");
        }

        var lastFinished = jobs.Max(j => OpsdJob.AsUtc(j.FinishedAt!.Value));
        var elapsed = lastFinished - postAt;
        var note = string.Create(CultureInfo.InvariantCulture, $"{label}: the poll saw all {jobs.Count} Succeeded {(seen - elapsed).TotalMilliseconds:0} ms after the last FinishedAt.");
        return new Throughput(jobs.Count, elapsed, "POST to the last FinishedAt (opsd's clock)") { Notes = [note] };
    }

    /// <summary>
    /// Polls until every job in <paramref name="ids"/> is finished and returns their views in order. Cheap by design:
    /// each round asks for the newest unfinished job only (runs are taken oldest first, so once it is done nearly all
    /// are), and only then reads every unfinished job, in requests of at most 500 ids. <paramref name="newestFinished"/>
    /// runs once, when the newest job is first seen finished.
    /// </summary>
    private static async Task<List<OpsdJob>> WaitAllFinishedAsync(
        Opsd opsd,
        string label,
        IReadOnlyList<string> ids,
        TimeSpan timeout,
        Action newestFinished,
        CancellationToken cancellationToken)
    {
        var newestSeen = false;
        var started = Stopwatch.GetTimestamp();
        var finished = new Dictionary<string, OpsdJob>(ids.Count, StringComparer.Ordinal);
        var pending = ids.ToList();
        while (true)
        {
            opsd.Process.ThrowIfExited();
            var probe = await opsd.GetJobsAsync([pending[^1]], cancellationToken);
            if (probe is [{ IsFinished: true }])
            {
                if (!newestSeen)
                {
                    newestSeen = true;
                    newestFinished();
                }

                pending = await SweepAsync(opsd, pending, finished, cancellationToken);
                if (pending.Count == 0)
                {
                    return [.. ids.Select(id => finished[id])];
                }
            }

            if (Stopwatch.GetElapsedTime(started) > timeout)
            {
                pending = await SweepAsync(opsd, pending, finished, cancellationToken);
                throw new TimeoutException($"{label}: only {finished.Count} of {ids.Count} runs finished within {timeout.TotalSeconds:0} s; opsd's last output:{Environment.NewLine}{opsd.Process.Tail()}");
            }

            await Task.Delay(ApiPollInterval, cancellationToken);
        }
    }

    /// <summary>Reads every pending job (at most 500 ids per request), moves the finished ones over, returns the rest.</summary>
    private static async Task<List<string>> SweepAsync(Opsd opsd, List<string> pending, Dictionary<string, OpsdJob> finished, CancellationToken cancellationToken)
    {
        foreach (var batch in pending.Chunk(Opsd.MaxIdsPerRequest))
        {
            foreach (var job in await opsd.GetJobsAsync(batch, cancellationToken))
            {
                if (job.IsFinished)
                {
                    finished[job.Id] = job;
                }
            }
        }

        return [.. pending.Where(id => !finished.ContainsKey(id))];
    }

    /// <summary>The CPU time of the children opsd has reaped: the runs themselves.</summary>
    private static TimeSpan RunsCpu(Opsd opsd) =>
        ProcFs.TryReadCpu(opsd.Process.Pid)?.ReapedChildren ?? throw new InvalidOperationException($"opsd (pid {opsd.Process.Pid}) is gone; its last output:{Environment.NewLine}{opsd.Process.Tail()}");

    private static TimeSpan OpsdCpu(Opsd opsd) =>
        ProcFs.TryReadCpu(opsd.Process.Pid)?.Own ?? throw new InvalidOperationException($"opsd (pid {opsd.Process.Pid}) is gone; its last output:{Environment.NewLine}{opsd.Process.Tail()}");
}
