using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Ops.Daemon.Tests.Support;

namespace Ops.Daemon.Tests.Tasks;

/// <summary>Task runs through a real opsd on both storages: retries, timeouts, capacity, isolation, fan-out, bad input.</summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
public sealed class TaskRunTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    public static TheoryData<string> Storages => ["InMemory", "PostgreSql"];

    [Theory]
    [MemberData(nameof(Storages))]
    public async Task Retries_TaskExits1WithRetries2_RunsExactlyThreeTimesWithTheDelaysThenFailed(string storage)
    {
        var runs = Path.Combine(Path.GetTempPath(), $"ops-runs-{Guid.NewGuid():N}");
        await using var opsd = await new Opsd([], TaskSetup.Ops(storage, new JsonObject
        {
            ["flaky"] = TaskSetup.ShellTask($"echo \"$OPS_ATTEMPT $(date +%s.%N)\" >> {runs}; echo 'disk on fire' >&2; exit 1", new JsonObject
            {
                ["Retries"] = 2,
                ["RetryDelays"] = new JsonArray("1s", "2s"),
            }),
        })).StartAsync();

        var id = (await opsd.SubmitOkAsync("flaky")).Single();
        var job = await opsd.WaitJobStateAsync(id, "Failed", Wait);
        await Observe.NothingWithinAsync(TimeSpan.FromMilliseconds(2500), () => File.ReadAllLines(runs).Length > 3, "a fourth run of a Failed job (it would come after the last delay)");

        var lines = File.ReadAllLines(runs).Select(l => l.Split(' ')).ToList();
        Assert.Equal(["1", "2", "3"], lines.Select(l => l[0]));
        var times = lines.Select(l => double.Parse(l[1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.True(times[1] - times[0] >= 1.0, $"second run {times[1] - times[0]:F2}s after the first; RetryDelays[0] is 1s");
        Assert.True(times[2] - times[1] >= 2.0, $"third run {times[2] - times[1]:F2}s after the second; RetryDelays[1] is 2s");
        Assert.Equal(3, job.Attempt);
        Assert.Equal(1, job.ExitCode);
        Assert.Equal("flaky", job.Task);
        Assert.Contains("disk on fire", job.StderrTail);
        Assert.Contains("exit 1", job.Reason, StringComparison.Ordinal);
        Assert.Equal("Failed", (await opsd.JobAsync(id)).State);
        File.Delete(runs);
    }

    [Theory]
    [MemberData(nameof(Storages))]
    public async Task Timeout_TaskSleeps60WithTimeout1s_FailsAndItsWholeGroupIsGone(string storage)
    {
        var pids = Path.Combine(Path.GetTempPath(), $"ops-pids-{Guid.NewGuid():N}");
        await using var opsd = await new Opsd([], TaskSetup.Ops(storage, new JsonObject
        {
            ["slow"] = TaskSetup.WorkerTask(["--ignore-term", "--grandchildren", "1", "--pid-file", pids, "--sleep", "60"], new JsonObject
            {
                ["Timeout"] = "3s",
                ["Retries"] = 0,
            }),
        })).StartAsync();

        var id = (await opsd.SubmitOkAsync("slow")).Single();
        var job = await opsd.WaitJobStateAsync(id, "Failed", Wait);

        var started = Worker.ReadPids(pids);
        Assert.Equal(2, started.Count);
        Assert.All(started, p => Assert.False(ProcessTable.IsAlive(p), $"pid {p} of the timed-out run survived"));
        Assert.Contains("timeout", job.Reason, StringComparison.Ordinal);
        Assert.Empty(opsd.LiveChildren());
        File.Delete(pids);
    }

    [Theory]
    [MemberData(nameof(Storages))]
    public async Task Capacity_RequestThatWouldPassIt_Gets429AndOneThatCanNeverFit413_NothingIsEnqueued(string storage)
    {
        await using var opsd = await new Opsd([], TaskSetup.Ops(
            storage,
            new JsonObject
            {
                ["block"] = TaskSetup.ShellTask("sleep 30", new JsonObject { ["Queue"] = "small", ["Retries"] = 0 }),
                ["quick"] = TaskSetup.ShellTask("read item; exit 0", new JsonObject { ["Queue"] = "small" }),
            },
            new JsonObject { ["small"] = new JsonObject { ["Workers"] = 1, ["Prefetch"] = 0, ["Capacity"] = 3 } })).StartAsync();

        // One run occupies the only worker (and none is taken ahead); then the queue can hold 3 waiting runs.
        var blocker = (await opsd.SubmitOkAsync("block")).Single();
        await opsd.WaitJobStateAsync(blocker, "Processing", Wait);

        // 4 items never fit a queue of 3, however empty: not "retry later" but "split it".
        var (tooLarge, problem) = await opsd.SubmitAsync("quick", """{ "items": [1, 2, 3, 4] }""");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge);
        Assert.Equal("small", problem.GetProperty("queue").GetString());
        Assert.Equal((3, 4, 2), (problem.GetProperty("capacity").GetInt32(), problem.GetProperty("requested").GetInt32(), problem.GetProperty("batches").GetInt32()));
        Assert.Contains("split it into batches of at most 3 items (2 requests)", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var first = await opsd.SubmitOkAsync("quick", """{ "items": [1, 2] }""");
        var (tooMany, body) = await opsd.SubmitAsync("quick", """{ "items": [3, 4] }""");
        Assert.Equal(HttpStatusCode.TooManyRequests, tooMany);
        Assert.Equal((3, 2), (body.GetProperty("capacity").GetInt32(), body.GetProperty("length").GetInt32()));

        var fits = first.Concat(await opsd.SubmitOkAsync("quick", """{ "items": [3] }""")).ToList();
        Assert.Equal(3, fits.Count);
        var (full, fullBody) = await opsd.SubmitAsync("quick", """{ "items": [4] }""");
        Assert.Equal(HttpStatusCode.TooManyRequests, full);
        Assert.Equal(3, fullBody.GetProperty("length").GetInt32());
        Assert.All(await Task.WhenAll(fits.Select(opsd.JobAsync)), j => Assert.Equal("Enqueued", j.State));
    }

    [Theory]
    [MemberData(nameof(Storages))]
    public async Task Isolation_LongRunsFillEveryCpuWorker_CriticalRunStartsAtOnce(string storage)
    {
        await using var opsd = await new Opsd([], TaskSetup.Ops(
            storage,
            new JsonObject
            {
                ["crunch"] = TaskSetup.ShellTask("sleep 30", new JsonObject { ["Queue"] = "cpu", ["Retries"] = 0 }),
                ["page"] = TaskSetup.ShellTask("exit 0", new JsonObject { ["Queue"] = "critical" }),
            },
            new JsonObject
            {
                ["cpu"] = new JsonObject { ["Workers"] = 2, ["Capacity"] = 100 },
                ["critical"] = new JsonObject { ["Workers"] = 1, ["Capacity"] = 100 },
            })).StartAsync();

        // Two run, two more are taken ahead (Prefetch defaults to Workers), the rest wait in the queue.
        var crunch = await opsd.SubmitOkAsync("crunch", """{ "items": [1, 2, 3, 4, 5, 6] }""");
        // Whichever two won the workers run (a job taken ahead reads Enqueued until its run starts).
        await Observe.UntilAsync(async () => (await opsd.JobsAsync("task=crunch&state=Processing")).Count == 2, Wait, "two crunch runs started");

        var page = (await opsd.SubmitOkAsync("page")).Single();
        var done = await opsd.WaitJobStateAsync(page, "Succeeded", TimeSpan.FromSeconds(10));

        Assert.Equal("critical", done.Queue);
        Assert.Equal("Enqueued", (await opsd.JobAsync(crunch[5])).State);
    }

    [Theory]
    [MemberData(nameof(Storages))]
    public async Task Prefetch_Workers1Prefetch1_NextJobTakenAheadButRunsNeverOverlapAndWaitingUsesNoAttempt(string storage)
    {
        var log = Directory.CreateTempSubdirectory("ops-prefetch-").FullName;
        await using var opsd = await new Opsd([], TaskSetup.Ops(
            storage,
            new JsonObject
            {
                ["step"] = TaskSetup.ShellTask($"echo \"start $(date +%s%N)\" >> {log}/$OPS_JOB_ID; sleep 2; echo \"end $(date +%s%N)\" >> {log}/$OPS_JOB_ID", new JsonObject { ["Queue"] = "serial", ["Retries"] = 0 }),
            },
            new JsonObject { ["serial"] = new JsonObject { ["Workers"] = 1, ["Prefetch"] = 1, ["Capacity"] = 100 } })).StartAsync();

        var ids = await opsd.SubmitOkAsync("step", """{ "items": [1, 2, 3] }""");
        await Observe.UntilAsync(async () => await opsd.QueueLengthAsync("serial") == 1, Wait, "two jobs taken from the queue");

        // Both were taken, one runs (whichever won the worker), the other waits for it; the third is not taken.
        var started = TimeSpan.Zero;
        while (!ids.Take(2).Any(id => File.Exists(Path.Combine(log, id))) && started < Wait)
        {
            await Task.Delay(20);
            started += TimeSpan.FromMilliseconds(20);
        }

        var running = Assert.Single(ids.Take(2), id => File.Exists(Path.Combine(log, id)));
        Assert.Equal("Enqueued", (await opsd.JobAsync(ids.Take(2).Single(id => id != running))).State);
        Assert.Equal("Enqueued", (await opsd.JobAsync(ids[2])).State);

        var intervals = new List<(long Start, long End)>();
        foreach (var id in ids)
        {
            var job = await opsd.WaitJobStateAsync(id, "Succeeded", Wait);
            Assert.Equal(1, job.Attempt);
            var lines = File.ReadAllLines(Path.Combine(log, id));
            intervals.Add((long.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture), long.Parse(lines[1].Split(' ')[1], CultureInfo.InvariantCulture)));
        }

        intervals.Sort();
        for (var i = 1; i < intervals.Count; i++)
        {
            Assert.True(intervals[i].Start >= intervals[i - 1].End, $"run {i} started before run {i - 1} ended: {string.Join(", ", intervals)}");
        }

        Directory.Delete(log, recursive: true);
    }

    [Fact]
    public async Task Prefetch0_NextJobStaysInTheQueueUntilTheWorkerIsFree()
    {
        await using var opsd = await new Opsd([], TaskSetup.Ops(
            "InMemory",
            new JsonObject { ["step"] = TaskSetup.ShellTask("sleep 3", new JsonObject { ["Queue"] = "serial", ["Retries"] = 0 }) },
            new JsonObject { ["serial"] = new JsonObject { ["Workers"] = 1, ["Prefetch"] = 0, ["Capacity"] = 100 } })).StartAsync();

        var ids = await opsd.SubmitOkAsync("step", """{ "items": [1, 2] }""");
        await opsd.WaitJobStateAsync(ids[0], "Processing", Wait);
        await Observe.NothingWithinAsync(TimeSpan.FromSeconds(1), async () => (await opsd.JobAsync(ids[1])).State != "Enqueued", "the second job left the queue while the only worker was busy (Prefetch 0)");

        Assert.Equal("Enqueued", (await opsd.JobAsync(ids[1])).State);
        await opsd.WaitJobStateAsync(ids[1], "Succeeded", Wait);
    }

    [Theory]
    [MemberData(nameof(Storages))]
    public async Task FanOut_200ItemsOverTwoWorkers_AllSucceedEachExactlyOnce(string storage)
    {
        var output = Directory.CreateTempSubdirectory("ops-fanout-").FullName;
        await using var opsd = await new Opsd([], TaskSetup.Ops(
            storage,
            new JsonObject
            {
                ["map"] = TaskSetup.ShellTask($"read item; [ \"$item\" = \"$OPS_ITEM\" ] || exit 9; echo \"$item $OPS_ATTEMPT $OPS_TASK\" > {output}/$OPS_JOB_ID", new JsonObject { ["Queue"] = "io" }),
            },
            new JsonObject { ["io"] = new JsonObject { ["Workers"] = 2, ["Capacity"] = 1000 } })).StartAsync();

        var items = string.Join(", ", Enumerable.Range(0, 200).Select(i => $$"""{"n":{{i}}}"""));
        var ids = await opsd.SubmitOkAsync("map", $$"""{ "items": [{{items}}] }""");
        Assert.Equal(200, ids.Distinct().Count());
        foreach (var id in ids)
        {
            await opsd.WaitJobStateAsync(id, "Succeeded", Wait);
        }

        var seen = Directory.GetFiles(output).Select(File.ReadAllText).Select(t => t.Trim()).ToList();
        Assert.Equal(200, seen.Count);
        var expected = Enumerable.Range(0, 200).Select(i => $$"""{"n":{{i}}} 1 map""");
        Assert.Equal(expected.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
        Directory.Delete(output, recursive: true);
    }

    [Theory]
    [MemberData(nameof(Storages))]
    public async Task Concurrency_Limit1WithThreeFreeWorkers_RunsNeverOverlapAndAllSucceedOnFirstAttempt(string storage)
    {
        var spans = Path.Combine(Path.GetTempPath(), $"ops-spans-{Guid.NewGuid():N}");
        await using var opsd = await new Opsd([], TaskSetup.Ops(
            storage,
            new JsonObject
            {
                ["exclusive"] = TaskSetup.ShellTask($"s=$(date +%s.%N); sleep 1; echo \"$s $(date +%s.%N) $OPS_ATTEMPT\" >> {spans}", new JsonObject { ["Queue"] = "wide", ["Concurrency"] = 1 }),
            },
            new JsonObject { ["wide"] = new JsonObject { ["Workers"] = 3, ["Capacity"] = 100 } })).StartAsync();

        var ids = await opsd.SubmitOkAsync("exclusive", """{ "items": [1, 2, 3] }""");
        foreach (var id in ids)
        {
            Assert.Equal(1, (await opsd.WaitJobStateAsync(id, "Succeeded", Wait)).Attempt);
        }

        var runs = File.ReadAllLines(spans)
            .Select(l => l.Split(' '))
            .Select(p => (Start: double.Parse(p[0], System.Globalization.CultureInfo.InvariantCulture), End: double.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture), Attempt: p[2]))
            .OrderBy(r => r.Start)
            .ToList();
        Assert.Equal(3, runs.Count);
        Assert.All(runs, r => Assert.Equal("1", r.Attempt));
        for (var i = 1; i < runs.Count; i++)
        {
            Assert.True(runs[i].Start >= runs[i - 1].End, $"run {i} started at {runs[i].Start:F3}, before run {i - 1} ended at {runs[i - 1].End:F3}");
        }

        File.Delete(spans);
    }

    [Fact]
    public async Task BadInput_UnknownTaskArgsAndMalformedJson_AnsweredWithTheProblem()
    {
        await using var opsd = await new Opsd([], TaskSetup.Ops("InMemory", new JsonObject
        {
            ["fixed"] = TaskSetup.ShellTask("exit 0"),
            ["open"] = TaskSetup.ShellTask("exit 0", new JsonObject { ["AllowArgs"] = true }),
        })).StartAsync();

        var (unknown, _) = await opsd.SubmitAsync("nope");
        Assert.Equal(HttpStatusCode.NotFound, unknown);

        var (args, argsProblem) = await opsd.SubmitAsync("fixed", """{ "args": ["--force"] }""");
        Assert.Equal(HttpStatusCode.BadRequest, args);
        Assert.Equal("args", argsProblem.GetProperty("field").GetString());
        Assert.Contains("AllowArgs", argsProblem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var (malformed, malformedProblem) = await opsd.SubmitAsync("fixed", """{ "items": [1, 2 """);
        Assert.Equal(HttpStatusCode.BadRequest, malformed);
        Assert.Equal("body", malformedProblem.GetProperty("field").GetString());
        Assert.Contains("not valid JSON", malformedProblem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var (typo, typoProblem) = await opsd.SubmitAsync("fixed", """{ "itemz": [1] }""");
        Assert.Equal(HttpStatusCode.BadRequest, typo);
        Assert.Equal("itemz", typoProblem.GetProperty("field").GetString());

        var (badArgs, _) = await opsd.SubmitAsync("open", """{ "args": [1] }""");
        Assert.Equal(HttpStatusCode.BadRequest, badArgs);
        Assert.Single(await opsd.SubmitOkAsync("open", """{ "args": ["--x"] }"""));

        using var missingJob = await opsd.Http.GetAsync("/api/v1/jobs/999999");
        Assert.Equal(HttpStatusCode.NotFound, missingJob.StatusCode);
    }
}
