using System.Net;
using System.Text.Json.Nodes;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Npgsql;
using Ops.Daemon.Tests.Support;

namespace Ops.Daemon.Tests.Tasks;

/// <summary>What only a durable, shared storage shows: crashes mid-run, the database going away, console deletes, recurring tasks.</summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
public sealed class TaskStorageTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Crash_OpsdKilledMidRun_RunRetriedAfterRestartAndTheAttemptCounted()
    {
        var runs = Path.Combine(Path.GetTempPath(), $"ops-runs-{Guid.NewGuid():N}");
        var ops = TaskSetup.Ops(
            "PostgreSql",
            new JsonObject { ["long"] = TaskSetup.ShellTask($"echo \"$OPS_ATTEMPT $$\" >> {runs}; sleep 4", new JsonObject { ["Retries"] = 2 }) },
            invisibilityTimeout: "3s");
        await using var first = await new Opsd([], ops).StartAsync();
        var id = (await first.SubmitOkAsync("long")).Single();
        await first.WaitJobStateAsync(id, "Processing", Wait);
        var firstRunPid = int.Parse((await FirstRunLineAsync(runs)).Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        await first.KillDaemonAsync();

        await using var second = await Opsd.Restart(first).StartAsync();
        Assert.False(ProcessTable.IsAlive(firstRunPid), $"the interrupted run's process group outlived the restart:\n{second.Output}");
        var job = await second.WaitJobStateAsync(id, "Succeeded", Wait);

        Assert.Equal(2, job.Attempt);
        Assert.Equal(["1", "2"], File.ReadAllLines(runs).Select(l => l.Split(' ')[0]));
        File.Delete(runs);
    }

    [Fact]
    public async Task Crash_OpsdKilledWhileAJobWaitsTakenAhead_ThatJobRunsLaterOnItsFirstAttempt()
    {
        var runs = Path.Combine(Path.GetTempPath(), $"ops-runs-{Guid.NewGuid():N}");
        var ops = TaskSetup.Ops(
            "PostgreSql",
            new JsonObject { ["long"] = TaskSetup.ShellTask($"echo \"$OPS_JOB_ID $OPS_ATTEMPT\" >> {runs}; sleep 3", new JsonObject { ["Queue"] = "serial", ["Retries"] = 2 }) },
            new JsonObject { ["serial"] = new JsonObject { ["Workers"] = 1, ["Prefetch"] = 1, ["Capacity"] = 100 } },
            invisibilityTimeout: "3s");
        await using var first = await new Opsd([], ops).StartAsync();
        var ids = await first.SubmitOkAsync("long", """{ "items": [1, 2] }""");
        await Observe.UntilAsync(async () => await first.QueueLengthAsync("serial") == 0, Wait, "both jobs taken from the queue");

        // Whichever of the two won the one worker runs; the other waits, taken ahead (and reads as Enqueued).
        var running = (await FirstRunLineAsync(runs)).Split(' ')[0];
        var waiting = ids.Single(id => id != running);
        Assert.Equal("Enqueued", (await first.JobAsync(waiting)).State);
        await first.KillDaemonAsync();

        await using var second = await Opsd.Restart(first).StartAsync();
        var interrupted = await second.WaitJobStateAsync(running, "Succeeded", Wait);
        var waited = await second.WaitJobStateAsync(waiting, "Succeeded", Wait);

        Assert.Equal(2, interrupted.Attempt);
        Assert.Equal(1, waited.Attempt);
        Assert.Equal([$"{waiting} 1"], File.ReadAllLines(runs).Where(l => l.StartsWith(waiting + " ", StringComparison.Ordinal)));
        File.Delete(runs);
    }

    [Fact]
    public async Task Crash_InterruptedMoreOftenThanRetriesAllow_FailsWithTheReasonInsteadOfLooping()
    {
        var runs = Path.Combine(Path.GetTempPath(), $"ops-runs-{Guid.NewGuid():N}");
        var ops = TaskSetup.Ops(
            "PostgreSql",
            new JsonObject { ["long"] = TaskSetup.ShellTask($"echo \"$OPS_ATTEMPT\" >> {runs}; sleep 60", new JsonObject { ["Retries"] = 0 }) },
            invisibilityTimeout: "3s");
        await using var first = await new Opsd([], ops).StartAsync();
        var id = (await first.SubmitOkAsync("long")).Single();
        await first.WaitJobStateAsync(id, "Processing", Wait);

        // Processing comes before the run starts (the attempt is counted, then the command spawned): wait for it.
        _ = await FirstRunLineAsync(runs);
        await first.KillDaemonAsync();

        await using var second = await Opsd.Restart(first).StartAsync();
        var job = await second.WaitJobStateAsync(id, "Failed", Wait);

        Assert.Equal(2, job.Attempt);
        Assert.Contains("interrupted", job.Reason, StringComparison.Ordinal);
        Assert.Equal(["1"], File.ReadAllLines(runs));
        File.Delete(runs);
    }

    [Fact]
    public async Task StorageDown_AtStart_ProgramsRunTasksGet503AndItConnectsWhenTheDatabaseComesBack()
    {
        var port = Tools.FreePort();
        var connectionString = $"Host=127.0.0.1;Port={port};Username=postgres;Password=never-shown-pw;Database=postgres";
        await using var opsd = await new Opsd(
            new JsonObject { ["svc"] = Worker.Program(["--forever"]) },
            new JsonObject
            {
                ["Storage"] = new JsonObject { ["Provider"] = "PostgreSql", ["ConnectionString"] = connectionString, ["PollInterval"] = "100ms" },
                ["Tasks"] = new JsonObject { ["hello"] = TaskSetup.ShellTask("exit 0") },
            }).StartAsync(waitReady: false);

        await opsd.WaitForStateAsync("svc", "Running", Wait);
        using (var ready = await opsd.Http.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        }

        var (refused, problem) = await opsd.SubmitAsync("hello");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused);
        Assert.Contains($"127.0.0.1:{port}", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{port}", opsd.Output, StringComparison.Ordinal);

        var database = PostgresServer.Start(port);
        try
        {
            var deadline = DateTime.UtcNow + Wait;
            HttpStatusCode status;
            do
            {
                await Task.Delay(200);
                using var ready = await opsd.Http.GetAsync("/readyz");
                status = ready.StatusCode;
            }
            while (status != HttpStatusCode.OK && DateTime.UtcNow < deadline);

            Assert.Equal(HttpStatusCode.OK, status);
            var id = (await opsd.SubmitOkAsync("hello")).Single();
            await opsd.WaitJobStateAsync(id, "Succeeded", Wait);
            Assert.DoesNotContain("never-shown-pw", opsd.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("never-shown-pw", string.Concat(Directory.GetFiles(Path.Combine(opsd.Directory, "log"), "*", SearchOption.AllDirectories).Select(File.ReadAllText)), StringComparison.Ordinal);
        }
        finally
        {
            database.Stop();
        }
    }

    [Theory]
    [InlineData("ops.job", "NEW.arguments::text")]
    [InlineData("ops.jobqueue", "(SELECT j.arguments::text FROM ops.job j WHERE j.id = NEW.jobid)")]
    public async Task StorageFailsMidRequest_503AndNothingOfTheRequestIsEnqueuedOrRun(string table, string itemText)
    {
        // A trigger fails the write that touches the request's 4th item: for ops.job, while the job rows are made
        // (the first three exist by then); for ops.jobqueue, inside the one commit that would enqueue them all.
        var ops = TaskSetup.Ops("PostgreSql", new JsonObject { ["quick"] = TaskSetup.ShellTask("exit 0") });
        var connectionString = ops["Storage"]!["ConnectionString"]!.GetValue<string>();
        await using var opsd = await new Opsd([], ops).StartAsync();
        await using var database = new NpgsqlConnection(connectionString);
        await database.OpenAsync();
        await ExecuteAsync(database, $"""
            CREATE FUNCTION ops.injected_failure() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF {itemText} LIKE '%boom%' THEN RAISE EXCEPTION 'injected failure on {table}'; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER injected_failure BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION ops.injected_failure();
            """);

        var (status, problem) = await opsd.SubmitAsync("quick", """{ "items": [1, 2, 3, "boom", 5, 6] }""");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        var detail = problem.GetProperty("detail").GetString();
        Assert.Contains("injected failure", detail, StringComparison.Ordinal);
        Assert.Contains("nothing was enqueued", detail, StringComparison.Ordinal);
        Assert.Equal(0L, await ScalarAsync(database, "SELECT count(*) FROM ops.jobqueue"));
        Assert.Equal(0L, await ScalarAsync(database, "SELECT count(*) FROM ops.job WHERE statename IS NOT NULL OR expireat IS NULL"));

        // The storage works again: the next request is enqueued whole and runs; the failed request's rows never do.
        await ExecuteAsync(database, $"DROP TRIGGER injected_failure ON {table}");
        var ids = await opsd.SubmitOkAsync("quick", """{ "items": [7, 8] }""");
        foreach (var id in ids)
        {
            await opsd.WaitJobStateAsync(id, "Succeeded", Wait);
        }

        Assert.Equal(2L, await ScalarAsync(database, "SELECT count(*) FROM ops.job WHERE statename IS NOT NULL"));
        Assert.Equal(0L, await ScalarAsync(database, "SELECT count(*) FROM ops.jobqueue"));
    }

    [Fact]
    public async Task DeleteInConsole_ProcessingJob_KillsTheRunsProcessGroup()
    {
        var pids = Path.Combine(Path.GetTempPath(), $"ops-pids-{Guid.NewGuid():N}");
        var ops = TaskSetup.Ops("PostgreSql", new JsonObject
        {
            ["long"] = TaskSetup.WorkerTask(["--ignore-term", "--grandchildren", "1", "--pid-file", pids, "--sleep", "60"], new JsonObject { ["Retries"] = 0 }),
        });
        var connectionString = ops["Storage"]!["ConnectionString"]!.GetValue<string>();
        await using var opsd = await new Opsd([], ops).StartAsync();
        var id = (await opsd.SubmitOkAsync("long")).Single();
        await opsd.WaitJobStateAsync(id, "Processing", Wait);
        await Observe.UntilAsync(() => Worker.ReadPids(pids).Count >= 2, Wait, "the run and its grandchild in the pid file");

        // What the console's Delete button does: move the job to Deleted in the shared storage.
        var options = new PostgreSqlStorageOptions { SchemaName = "ops", PrepareSchemaIfNecessary = false };
        var storage = new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, options), options);
        Assert.True(new BackgroundJobClient(storage).Delete(id));

        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (Worker.ReadPids(pids).Any(ProcessTable.IsAlive) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.All(Worker.ReadPids(pids), p => Assert.False(ProcessTable.IsAlive(p), $"pid {p} survived the delete"));
        Assert.Equal("Deleted", (await opsd.JobAsync(id)).State);
        File.Delete(pids);
    }

    [Fact]
    public async Task Recurring_CronTask_RunsOnScheduleAndIsRemovedWhenRemovedFromConfig()
    {
        var runs = Path.Combine(Path.GetTempPath(), $"ops-runs-{Guid.NewGuid():N}");
        var ops = TaskSetup.Ops("PostgreSql", new JsonObject
        {
            ["tick"] = TaskSetup.ShellTask($"echo $OPS_JOB_ID >> {runs}", new JsonObject { ["Cron"] = "*/1 * * * * *", ["TimeZone"] = "Europe/Berlin" }),
        });
        await using (var opsd = await new Opsd([], ops).StartAsync())
        {
            var deadline = DateTime.UtcNow + Wait;
            while ((!File.Exists(runs) || File.ReadAllLines(runs).Length < 2) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }

            Assert.True(File.ReadAllLines(runs).Length >= 2, "the recurring task did not run twice");
        }

        // Same database, the task no longer recurs: after a restart nothing runs it any more.
        ops["Tasks"]!["tick"]!.AsObject().Remove("Cron");
        ops["Tasks"]!["tick"]!.AsObject().Remove("TimeZone");
        await using var again = await new Opsd([], ops).StartAsync();

        // A run the first daemon enqueued before it stopped may still run now; after that, none may.
        await Observe.UntilAsync(
            async () => (await again.JobsAsync("task=tick&state=Enqueued")).Count == 0 && (await again.JobsAsync("task=tick&state=Processing")).Count == 0,
            Wait,
            "the runs enqueued before the restart to end");
        var count = File.ReadAllLines(runs).Length;
        await Observe.NothingWithinAsync(TimeSpan.FromSeconds(3), () => File.ReadAllLines(runs).Length != count, "the task ran after its Cron was removed");
        Assert.Equal(count, File.ReadAllLines(runs).Length);
        File.Delete(runs);
    }

    /// <summary>The first line a run wrote to <paramref name="runs"/> (so the run has started); fails after <see cref="Wait"/>.</summary>
    private static async Task<string> FirstRunLineAsync(string runs)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < Wait)
        {
            if (File.Exists(runs) && File.ReadAllLines(runs) is [var first, ..])
            {
                return first;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"no run wrote to {runs} within {Wait.TotalSeconds:0} s");
    }

    private static async Task ExecuteAsync(NpgsqlConnection database, string sql)
    {
        await using var command = new NpgsqlCommand(sql, database);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection database, string sql)
    {
        await using var command = new NpgsqlCommand(sql, database);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
