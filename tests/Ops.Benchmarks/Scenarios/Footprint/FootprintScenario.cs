using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Ops.Benchmarks.Infrastructure;
using Ops.Benchmarks.Supervisors;

namespace Ops.Benchmarks.Scenarios.Footprint;

/// <summary>
/// What supervising costs the supervisor: its RSS and threads with 10 and with 200 programs (each its own program
/// running /bin/sleep 1000), how long from launch until every child exists and until its API reports them all running,
/// and how long a SIGTERM takes to stop them all. supervisord with the same programs is the baseline when installed.
/// </summary>
internal sealed class FootprintScenario : IScenario
{
    private const string ChildComm = "sleep";
    private const int Few = 10;
    private const int Many = 200;

    private static readonly TimeSpan ScanInterval = TimeSpan.FromMilliseconds(2);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    public string Name => "footprint";

    public TimeSpan Limit => TimeSpan.FromMinutes(3);

    public async Task<string> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var janitor = context.Janitor;
        var results = new List<Result>();
        var notes = new List<string>();
        foreach (var programs in new[] { Few, Many })
        {
            results.Add(await MeasureAsync(context, "opsd", programs, work => Opsd.Start(work, OpsdPrograms(programs), janitor), cancellationToken));
        }

        if (Supervisord.Find() is { } supervisord)
        {
            foreach (var programs in new[] { Few, Many })
            {
                results.Add(await MeasureAsync(context, "supervisord", programs, work => Supervisord.Start(supervisord, work, SupervisordPrograms(programs), janitor), cancellationToken));
            }
        }
        else
        {
            notes.Add($"supervisord: skipped, not installed (Debian package `{Supervisord.Package}`; the benchmark never installs it), so there is no baseline.");
        }

        var table = new MarkdownTable("supervisor", "programs", "RSS MB", "threads", "first child s", "all children s", "all running (API) s", "SIGTERM to exit s", "exit code", "children left");
        foreach (var r in results)
        {
            table.Add(
                r.Label,
                Invariant(r.Programs),
                (r.RssKb / 1024.0).ToString("0.0", CultureInfo.InvariantCulture),
                Invariant(r.Threads),
                BenchReport.Seconds(r.FirstChild),
                BenchReport.Seconds(r.AllChildren),
                BenchReport.Seconds(r.AllRunning),
                BenchReport.Seconds(r.Stop),
                r.ExitCode is { } code ? Invariant(code) : "none (killed)",
                r.LeftAfterStop == 0 ? "0" : $"**{r.LeftAfterStop}**");
        }

        foreach (var group in results.GroupBy(r => r.Label))
        {
            if (group.SingleOrDefault(r => r.Programs == Few) is { } few && group.SingleOrDefault(r => r.Programs == Many) is { } many)
            {
                var perProgram = (many.RssKb - few.RssKb) / (double)(Many - Few);
                notes.Add(string.Create(CultureInfo.InvariantCulture, $"{group.Key}: {perProgram:0.0} KB of RSS per added program ((RSS at {Many} - RSS at {Few}) / {Many - Few}); threads {few.Threads} at {Few} programs, {many.Threads} at {Many}."));
            }
        }

        notes.Add($"opsd: StartSeconds {Opsd.StartSeconds} s, logs to files per instance, Logging.Level Warning; {GcMode()}. supervisord: startsecs=0 (it takes whole seconds only), autorestart=true, child logs AUTO.");
        notes.Add("Times are from launching the supervisor's process (runtime or interpreter start-up included). Children are counted by scanning /proc every ~2 ms for processes whose parent is the supervisor and whose comm is `sleep`; only then is the API polled (every 10 ms) until it reports all running, so its first answer (for opsd: a cold HTTP stack) is part of that time. RSS (VmRSS) and threads are read after all are running and 2 s of settling.");

        var text = new StringBuilder()
            .AppendLine("## footprint")
            .AppendLine()
            .AppendLine($"{Few} and {Many} programs, each its own program (not instances) running `/bin/sleep 1000`.")
            .AppendLine($"Machine: {BenchReport.MachineLine()}.")
            .AppendLine()
            .Append(table)
            .AppendLine();
        foreach (var note in notes)
        {
            text.AppendLine($"- {note}");
        }

        return text.ToString();
    }

    private static async Task<Result> MeasureAsync(BenchContext context, string label, int programs, Func<string, ISupervisor> start, CancellationToken cancellationToken)
    {
        Console.WriteLine($"footprint: {label} with {programs} programs");
        var work = context.NewWorkDirectory($"footprint-{label}-{programs}");
        var launched = Stopwatch.GetTimestamp();
        var supervisor = start(work);
        try
        {
            var counter = new ChildCounter(supervisor.Process.Pid, ChildComm);
            TimeSpan? firstChild = null;
            while (true)
            {
                var count = counter.Count();
                if (count > 0)
                {
                    firstChild ??= Stopwatch.GetElapsedTime(launched);
                }

                if (count >= programs)
                {
                    break;
                }

                supervisor.Process.ThrowIfExited();
                if (Stopwatch.GetElapsedTime(launched) > StartTimeout)
                {
                    throw new TimeoutException($"{label}: only {count} of {programs} `{ChildComm}` children after {StartTimeout.TotalSeconds:0} s; its last output:{Environment.NewLine}{supervisor.Process.Tail()}");
                }

                if (cancellationToken.WaitHandle.WaitOne(ScanInterval))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }
            }

            var allChildren = Stopwatch.GetElapsedTime(launched);
            await supervisor.WaitForAsync(all => all.Count == programs && all.All(p => p.IsRunning), $"all {programs} running", StartTimeout, cancellationToken);
            var allRunning = Stopwatch.GetElapsedTime(launched);

            await Task.Delay(Settle, cancellationToken);
            var (rssKb, threads) = ProcFs.ReadMemoryAndThreads(supervisor.Process.Pid);

            var (exitCode, took) = await supervisor.Process.StopAsync(StopTimeout);

            // The harness is a subreaper: whatever the supervisor left behind is now the harness's child.
            var left = context.Janitor.Survivors().Count(p => p.Comm == ChildComm);
            return new Result(label, programs, rssKb, threads, firstChild ?? allChildren, allChildren, allRunning, took, exitCode, left);
        }
        finally
        {
            supervisor.Dispose();
            context.Janitor.Sweep(TimeSpan.FromSeconds(5));
        }
    }

    private static List<OpsdProgram> OpsdPrograms(int count) =>
        [.. Enumerable.Range(0, count).Select(i => new OpsdProgram(ProgramName(i), "/bin/sleep", ["1000"]))];

    private static List<SupervisordProgram> SupervisordPrograms(int count) =>
        [.. Enumerable.Range(0, count).Select(i => new SupervisordProgram(ProgramName(i), "/bin/sleep 1000"))];

    private static string ProgramName(int index) => string.Create(CultureInfo.InvariantCulture, $"p{index:000}");

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>opsd's GC mode as its runtimeconfig sets it: server GC keeps a heap per core, which shows in RSS.</summary>
    private static string GcMode()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "opsd.runtimeconfig.json");
        var server = File.Exists(path) && JsonNode.Parse(File.ReadAllText(path))?["runtimeOptions"]?["configProperties"]?["System.GC.Server"]?.GetValue<bool>() == true;
        return server ? "server GC (opsd.runtimeconfig.json: System.GC.Server=true)" : "workstation GC";
    }

    private sealed record Result(
        string Label,
        int Programs,
        long RssKb,
        int Threads,
        TimeSpan FirstChild,
        TimeSpan AllChildren,
        TimeSpan AllRunning,
        TimeSpan Stop,
        int? ExitCode,
        int LeftAfterStop);
}
