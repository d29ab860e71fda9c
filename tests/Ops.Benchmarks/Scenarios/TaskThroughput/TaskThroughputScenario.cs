using System.Globalization;
using System.Text;
using Hangfire.InMemory;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Npgsql;
using Ops.Benchmarks.Infrastructure;

namespace Ops.Benchmarks.Scenarios.TaskThroughput;

/// <summary>
/// Throughput of many short task runs (<c>/bin/true</c>): the xargs floor, raw Hangfire in this process and opsd's
/// tasks, each engine on InMemory and on a throwaway PostgreSQL, all in one run of the harness with the same runs and
/// workers. Reports runs/s per row and the two ratios with targets: opsd InMemory against the floor, opsd PostgreSql
/// against raw Hangfire on PostgreSql.
/// </summary>
internal sealed class TaskThroughputScenario : IScenario
{
    private const string Command = "/bin/true";
    private const int WarmupRuns = 100;
    private const string RawDatabase = "bench_raw";
    private const string RawSchema = "hangfire";
    private const string OpsdDatabase = "bench_opsd";

    /// <summary>opsd's default Ops:Storage:Schema.</summary>
    private const string OpsdSchema = "ops";

    private static readonly TimeSpan ActivityTimeout = TimeSpan.FromSeconds(10);

    private const string Skipped = "skipped: left out with --storage";

    /// <summary>How often idle PostgreSql workers look for jobs, in both engines (opsd's Ops:Storage:PollInterval).</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Targets: opsd InMemory keeps 70% of the floor; opsd PostgreSql keeps 90% of raw Hangfire on the same storage.</summary>
    private const double InMemoryTarget = 0.70;
    private const double PostgresTarget = 0.90;

    /// <summary>Most a row's runs may take: a fixed allowance plus 30 ms per run (2,000 runs: 90 s; they take 2-60 s here).</summary>
    private static TimeSpan RunTimeout(int runs) => TimeSpan.FromSeconds(30) + (runs * TimeSpan.FromMilliseconds(30));

    public string Name => "task-throughput";

    public TimeSpan Limit => TimeSpan.FromMinutes(8);

    public async Task<string> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var (runs, workers) = (context.Arguments.Runs, context.Arguments.Workers);
        var plan = new ThroughputPlan(Command, runs, workers, WarmupRuns, RunTimeout(runs), PollInterval);
        var loadBefore = LoadAverage();
        var notes = new List<string>();

        async Task<ThroughputRow> RowAsync(string label, Func<Task<Throughput>> measure)
        {
            var (result, failure) = await TryAsync(label, measure, cancellationToken);
            if (result is null)
            {
                return ThroughputRow.Failed(label, failure!);
            }

            notes.AddRange(result.Notes);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Name}: {label}: {result.RunsPerSecond:0} runs/s"));
            return ThroughputRow.Measured(label, result);
        }

        var storage = context.Arguments.Storage;
        ThroughputRow floor, rawInMemory, opsdInMemory;
        if (storage == "postgresql")
        {
            floor = await RowAsync(XargsFloor.Label(workers), () => XargsFloor.RunAsync(context, plan, cancellationToken));
            rawInMemory = ThroughputRow.Failed("raw Hangfire, InMemory", Skipped);
            opsdInMemory = ThroughputRow.Failed("opsd, InMemory", Skipped);
        }
        else
        {
            // Warmed up with a whole batch: a daemon runs for days, and its steady state is what a batch meets.
            (floor, rawInMemory, opsdInMemory) = await InMemoryRoundsAsync(context, plan with { WarmupRuns = runs }, context.Arguments.Rounds, notes, cancellationToken);
        }

        ThroughputRow rawPostgres, opsdPostgres;
        if (storage == "inmemory")
        {
            rawPostgres = ThroughputRow.Failed("raw Hangfire, PostgreSql", Skipped);
            opsdPostgres = ThroughputRow.Failed("opsd, PostgreSql", Skipped);
        }
        else if (PostgresCluster.FindBinaries() is { } bin)
        {
            Console.WriteLine($"{Name}: starting a throwaway PostgreSQL from {bin}");
            PostgresCluster? cluster = null;
            try
            {
                cluster = PostgresCluster.Start(bin);
                notes.Add($"PostgreSQL: {cluster.Version}, a throwaway cluster on 127.0.0.1:{cluster.Port} (fsync, synchronous_commit and full_page_writes off), one fresh database per row.");
                var server = cluster;
                TimeSpan ServerCpu() => server.PostmasterPid() is { } pid ? ProcFs.TreeCpu(pid) : TimeSpan.Zero;
                rawPostgres = await RowAsync("raw Hangfire, PostgreSql", () => RawPostgresAsync(server, ServerCpu, plan, cancellationToken));
                opsdPostgres = await RowAsync("opsd, PostgreSql", async () =>
                {
                    const string Label = "opsd, PostgreSql";
                    var database = server.CreateDatabase(OpsdDatabase);
                    var result = await WithQueueSnapshotAsync(server, OpsdDatabase, OpsdSchema, async () =>
                    {
                        await using var session = await OpsdTasks.Session.StartAsync(context, Label, plan, database, ServerCpu, cancellationToken);
                        return await session.BatchAsync(Label, cancellationToken);
                    });

                    // opsd has stopped: its connections are closed and their counts handed in.
                    var activity = await server.ActivityAsync(OpsdDatabase, OpsdSchema, ActivityTimeout, cancellationToken);
                    return result with { Notes = [.. result.Notes, Describe(Label, activity, runs + WarmupRuns)] };
                });
            }
            catch (Exception e) when (cluster is null && e is not OperationCanceledException)
            {
                rawPostgres = ThroughputRow.Failed("raw Hangfire, PostgreSql", $"the throwaway PostgreSQL did not start: {e.Message}");
                opsdPostgres = ThroughputRow.Failed("opsd, PostgreSql", "no PostgreSQL (see above)");
            }
            finally
            {
                cluster?.Dispose();
            }
        }
        else
        {
            const string Missing = "skipped: no PostgreSQL server binaries under /usr/lib/postgresql (Debian package `postgresql`; the benchmark never installs it)";
            rawPostgres = ThroughputRow.Failed("raw Hangfire, PostgreSql", Missing);
            opsdPostgres = ThroughputRow.Failed("opsd, PostgreSql", Missing);
        }

        notes.Add($"Load average (1 min) when the scenario started: {loadBefore}, when it ended: {LoadAverage()}; other work on this machine shares its {Environment.ProcessorCount} cores, so compare rows of one run, not runs.");
        List<ThroughputRow> rows = [floor, rawInMemory, opsdInMemory, rawPostgres, opsdPostgres];
        return Report(plan, rows, floor, rawInMemory, opsdInMemory, rawPostgres, opsdPostgres, notes);
    }

    /// <summary>
    /// The floor and both InMemory engines, measured in <paramref name="rounds"/> rounds of floor, raw Hangfire, opsd:
    /// the engines start once (and warm up), then each round measures all three within seconds of each other, so a
    /// change of load on this shared machine moves a round's floor and engines together. Each row is the round with
    /// the median runs/s; the ratios are medians of the per-round ratios.
    /// </summary>
    private async Task<(ThroughputRow Floor, ThroughputRow Raw, ThroughputRow Opsd)> InMemoryRoundsAsync(
        BenchContext context,
        ThroughputPlan plan,
        int rounds,
        List<string> notes,
        CancellationToken cancellationToken)
    {
        const string RawLabel = "raw Hangfire, InMemory";
        const string OpsdLabel = "opsd, InMemory";
        var floorLabel = XargsFloor.Label(plan.Workers);
        using var memory = new InMemoryStorage(new InMemoryStorageOptions { IdType = InMemoryStorageIdType.Long });
        var measured = new Dictionary<string, List<Throughput>>(StringComparer.Ordinal) { [floorLabel] = [], [RawLabel] = [], [OpsdLabel] = [] };
        var failures = new Dictionary<string, string>(StringComparer.Ordinal);
        var raw = await StartAsync(RawLabel, () => RawHangfire.Server.StartAsync(RawLabel, memory, plan, null, cancellationToken));
        var opsd = await StartAsync(OpsdLabel, () => OpsdTasks.Session.StartAsync(context, OpsdLabel, plan, null, null, cancellationToken));

        try
        {
            for (var round = 1; round <= rounds; round++)
            {
                await MeasureAsync(floorLabel, round, () => XargsFloor.RunAsync(context, plan, cancellationToken));
                if (raw is not null)
                {
                    await MeasureAsync(RawLabel, round, () => raw.BatchAsync(cancellationToken));
                }

                if (opsd is not null)
                {
                    await MeasureAsync(OpsdLabel, round, () => opsd.BatchAsync(OpsdLabel, cancellationToken));
                }
            }
        }
        finally
        {
            raw?.Dispose();
            if (opsd is not null)
            {
                await opsd.DisposeAsync();
            }
        }

        ThroughputRow Row(string label) =>
            failures.TryGetValue(label, out var failure) ? ThroughputRow.Failed(label, failure) : ThroughputRow.FromRounds(label, measured[label]);

        var rows = (Row(floorLabel), Row(RawLabel), Row(OpsdLabel));
        foreach (var (label, warmup) in new[] { (RawLabel, raw?.WarmupRunsPerSecond), (OpsdLabel, opsd?.WarmupRunsPerSecond) })
        {
            if (warmup is { } rate)
            {
                notes.Add(string.Create(CultureInfo.InvariantCulture, $"{label}: the warm-up batch ({plan.WarmupRuns:N0} runs, right after start, not counted) ran at {rate:0} runs/s."));
            }
        }

        foreach (var row in new[] { rows.Item1, rows.Item2, rows.Item3 }.Where(r => r.Result is not null))
        {
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"{row.Label}, runs/s per round: {string.Join(", ", row.Rounds.Select(r => r.RunsPerSecond.ToString("0", CultureInfo.InvariantCulture)))} (the table shows the median round)."));
            notes.AddRange(row.Result!.Notes);
        }

        return rows;

        // An engine that does not start: its failure becomes the row's reason instead of ending the scenario.
        async Task<T?> StartAsync<T>(string label, Func<Task<T>> start)
            where T : class
        {
            var (engine, failure) = await TryAsync($"{label}, starting", start, cancellationToken);
            if (engine is null)
            {
                failures[label] = failure!;
            }

            return engine;
        }

        async Task MeasureAsync(string label, int round, Func<Task<Throughput>> measure)
        {
            if (failures.ContainsKey(label))
            {
                return;
            }

            // A row failing must not hide the others' numbers; its earlier rounds are not shown alone.
            var (result, failure) = await TryAsync($"{label}, round {round} of {rounds}", measure, cancellationToken);
            if (result is null)
            {
                failures[label] = $"round {round}: {failure}";
                return;
            }

            measured[label].Add(result);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Name}: {label}, round {round}: {result.RunsPerSecond:0} runs/s"));
        }
    }

    /// <summary>
    /// Runs one step of the scenario (a row, a round, an engine's start); a failure (PostgreSQL missing, a limit
    /// passed) is printed and returned instead of thrown, so it never hides the other rows' numbers.
    /// </summary>
    private async Task<(T? Value, string? Failure)> TryAsync<T>(string what, Func<Task<T>> step, CancellationToken cancellationToken)
        where T : class
    {
        Console.WriteLine($"{Name}: {what}");
        try
        {
            return (await step(), null);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync($"{Name}: {what}: FAILED: {e.Message}");
            return (null, e.Message);
        }
    }

    /// <summary>Raw Hangfire on its own fresh database, with the storage options opsd uses for the same PollInterval.</summary>
    private static async Task<Throughput> RawPostgresAsync(PostgresCluster cluster, Func<TimeSpan> serverCpu, ThroughputPlan plan, CancellationToken cancellationToken)
    {
        var options = new PostgreSqlStorageOptions
        {
            SchemaName = RawSchema,
            PrepareSchemaIfNecessary = true,
            UseSlidingInvisibilityTimeout = true,
            QueuePollInterval = plan.PollInterval,
            EnableLongPolling = false,
        };
        const string Label = "raw Hangfire, PostgreSql";
        var storage = new PostgreSqlStorage(new NpgsqlConnectionFactory(cluster.CreateDatabase(RawDatabase), options), options);
        Throughput result;
        try
        {
            result = await WithQueueSnapshotAsync(cluster, RawDatabase, RawSchema, () =>
                RawHangfire.RunAsync(Label, storage, plan, serverCpu, cancellationToken));
        }
        finally
        {
            (storage as IDisposable)?.Dispose();
        }

        // The server has stopped; closing the pooled connections makes their backends hand in their counts.
        NpgsqlConnection.ClearAllPools();
        var activity = await cluster.ActivityAsync(RawDatabase, RawSchema, ActivityTimeout, cancellationToken);
        return result with { Notes = [.. result.Notes, Describe(Label, activity, plan.Runs + plan.WarmupRuns)] };
    }

    /// <summary>
    /// Runs <paramref name="measure"/>; when its runs do not finish in time, the message gets what the queue and lock
    /// tables hold then (a job Hangfire.PostgreSql fetched but never ran stays invisible for InvisibilityTimeout).
    /// </summary>
    private static async Task<Throughput> WithQueueSnapshotAsync(PostgresCluster cluster, string database, string schema, Func<Task<Throughput>> measure)
    {
        try
        {
            return await measure();
        }
        catch (TimeoutException e)
        {
            string snapshot;
            try
            {
                snapshot = await cluster.QueueSnapshotAsync(database, schema, CancellationToken.None);
            }
            catch (NpgsqlException failed)
            {
                snapshot = $"the database could not be read: {failed.Message}";
            }

            throw new TimeoutException($"{e.Message}; {snapshot}", e);
        }
    }

    /// <summary>"label, PostgreSQL work per run (...): 9.1 transactions; rows job 1.0 ins/2.0 upd, ..." for the notes.</summary>
    private static string Describe(string label, DatabaseActivity activity, int runs)
    {
        static string PerRun(long count, int runs, string what) =>
            count == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"{(double)count / runs:0.##} {what}");

        var tables = activity.Tables
            .Where(t => t.Inserted + t.Updated + t.Deleted > 0)
            .Select(t => $"{t.Table} {string.Join("/", new[] { PerRun(t.Inserted, runs, "ins"), PerRun(t.Updated, runs, "upd"), PerRun(t.Deleted, runs, "del") }.Where(p => p.Length > 0))}");
        var statements = activity.Statements.Select(s => string.Create(CultureInfo.InvariantCulture, $"{(double)s.Calls / runs:0.##}x `{s.Statement.Replace('`', '\'')}`"));
        var text = string.Create(CultureInfo.InvariantCulture, $"{label}, PostgreSQL work per run ({runs} runs with the warm-up, start-up included): {(double)activity.Transactions / runs:0.0} transactions; rows: {string.Join(", ", tables)}.");
        return activity.Statements.Count == 0 ? text : $"{text} Most frequent statements per run: {string.Join("; ", statements)}.";
    }

    private static string Report(
        ThroughputPlan plan,
        IReadOnlyList<ThroughputRow> rows,
        ThroughputRow floor,
        ThroughputRow rawInMemory,
        ThroughputRow opsdInMemory,
        ThroughputRow rawPostgres,
        ThroughputRow opsdPostgres,
        List<string> notes)
    {
        var table = new MarkdownTable("row", "runs", "time s", "runs/s", "submit s", "CPU ms/run", "cores busy", "measured");
        foreach (var row in rows)
        {
            if (row.Result is not { } r)
            {
                table.Add(row.Label, "", "", $"**FAILED**: {row.Failure?.ReplaceLineEndings(" / ")}", "", "", "", "");
                continue;
            }

            table.Add(
                row.Label,
                Invariant(r.Runs),
                BenchReport.Seconds(r.Elapsed),
                r.RunsPerSecond.ToString("0", CultureInfo.InvariantCulture),
                r.Submit is { } submit ? BenchReport.Seconds(submit) : "-",
                r.Cpu.Count == 0 ? "-" : string.Join(", ", r.Cpu.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Who} {c.Time.TotalMilliseconds / r.Runs:0.00}"))),
                r.CpuPerRun is { } perRun ? (r.RunsPerSecond * perRun.TotalSeconds).ToString("0.00", CultureInfo.InvariantCulture) : "-",
                r.MeasuredBy);
        }

        var ratios = new MarkdownTable("ratio", "value", "target", "verdict");
        void AddRatio(string name, ThroughputRow contender, ThroughputRow baseline, double? target)
        {
            if (contender.Result is not { } c || baseline.Result is not { } b)
            {
                ratios.Add(name, "n/a (a row failed)", target is { } t ? $">= {t:0.00}" : "-", "");
                return;
            }

            // Measured in rounds: the median of the rounds' own ratios (each round's rows ran within seconds).
            var perRound = contender.Rounds.Count > 1 && contender.Rounds.Count == baseline.Rounds.Count
                ? contender.Rounds.Zip(baseline.Rounds, (cr, br) => cr.RunsPerSecond / br.RunsPerSecond).ToList()
                : [c.RunsPerSecond / b.RunsPerSecond];
            AddValue(name, perRound, target);
        }

        void AddValue(string name, List<double> perRound, double? target, string reading = "(for reading the others)")
        {
            var value = ThroughputRow.Median(perRound);
            var verdict = target is not { } goal ? reading : value >= goal ? "met" : "**missed**";
            var text = perRound.Count == 1
                ? value.ToString("0.00", CultureInfo.InvariantCulture)
                : string.Create(CultureInfo.InvariantCulture, $"{value:0.00} (median of {string.Join(", ", perRound.Select(r => r.ToString("0.00", CultureInfo.InvariantCulture)))})");
            ratios.Add(name, text, target is { } g ? string.Create(CultureInfo.InvariantCulture, $">= {g:0.00}") : "-", verdict);
        }

        AddRatio("opsd InMemory / xargs floor", opsdInMemory, floor, InMemoryTarget);
        AddRatio("opsd PostgreSql / raw Hangfire PostgreSql", opsdPostgres, rawPostgres, PostgresTarget);
        AddRatio("raw Hangfire InMemory / xargs floor", rawInMemory, floor, null);
        AddRatio("opsd InMemory / raw Hangfire InMemory", opsdInMemory, rawInMemory, null);
        if (opsdInMemory.Result is not null && floor.Result is not null && opsdInMemory.Rounds.Count == floor.Rounds.Count
            && opsdInMemory.Rounds.All(r => r.CpuPerRun is not null))
        {
            // What opsd could reach at best on this machine then: its CPU and its runs' CPU per run filling every core.
            var ceilings = opsdInMemory.Rounds.Zip(floor.Rounds, (o, f) => Environment.ProcessorCount / o.CpuPerRun!.Value.TotalSeconds / f.RunsPerSecond).ToList();
            AddValue($"opsd InMemory / xargs floor if opsd and its runs kept all {Environment.ProcessorCount} cores busy", ceilings, null, "(the ceiling its CPU per run allows)");
        }

        notes.Add($"Every row runs `{plan.Command}` {plan.Runs:N0} times with {plan.Workers} in parallel; the Hangfire and opsd rows first run warm-up runs (not counted) on the same server: a whole batch on InMemory, {plan.WarmupRuns} on PostgreSql. The floor and the InMemory rows are measured in rounds (floor, raw Hangfire, opsd; `--rounds`, default 3) on engines started once; the PostgreSql rows once each.");
        notes.Add($"Raw Hangfire: a BackgroundJobServer in the harness (WorkerCount as above, one queue, Hangfire's default server options), whose job starts the command with System.Diagnostics.Process and waits; all jobs enqueued up front with BackgroundJobClient while the server runs. PostgreSql with the storage options opsd uses: QueuePollInterval {plan.PollInterval.TotalMilliseconds:0} ms, sliding invisibility timeout, no long polling.");
        notes.Add($"opsd: `dotnet opsd.dll` with task `{OpsdTasks.TaskName}` (Command {plan.Command}, Retries 0) on a queue with Workers {plan.Workers}, Logging.Level Warning; PostgreSql with PollInterval {plan.PollInterval.TotalMilliseconds:0}ms. One POST carries every item; completion polls GET /api/v1/jobs?ids= every 100 ms for the newest unfinished job only, then reads all unfinished jobs in requests of <= {Supervisors.Opsd.MaxIdsPerRequest} ids, so polling stays off the measured path: the time ends at the last job's FinishedAt.");
        notes.Add($"cores busy: runs/s x CPU per run (all of the row's CPU columns): how many of the {Environment.ProcessorCount} cores the row kept busy on average. A row below {Environment.ProcessorCount} waited on something other than CPU (wake-ups, round trips); the ceiling ratio is the rate the CPU per run would allow with every core busy.");
        notes.Add("CPU ms/run: CPU time (user + system) per measured run, from /proc: of the process that ran the engine (the harness for raw Hangfire, opsd for opsd), of the PostgreSQL server (postmaster, its backends and reaped children), and `runs`: the children that process reaped, i.e. the runs themselves (for the floor: the shell, seq, xargs and the runs). On a machine where every row's `runs` is about the same, the floor is the runs' own CPU, and what an engine adds per run is the rest.");

        var text = new StringBuilder()
            .AppendLine("## task-throughput")
            .AppendLine()
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"{plan.Runs:N0} runs of `{plan.Command}`, {plan.Workers} workers. Machine: {BenchReport.MachineLine()}."))
            .AppendLine()
            .Append(table)
            .AppendLine()
            .Append(ratios)
            .AppendLine();
        foreach (var note in notes)
        {
            text.AppendLine($"- {note}");
        }

        return text.ToString();
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The 1-minute load average from /proc/loadavg, as written there.</summary>
    private static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0];
}
