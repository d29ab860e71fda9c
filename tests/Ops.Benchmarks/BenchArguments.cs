using System.Globalization;

namespace Ops.Benchmarks;

/// <summary>
/// The command line: <c>&lt;all|restart-latency|footprint|micro|task-throughput&gt; [--kills N] [--settle-ms N] [--runs N] [--workers N] [--storage S] [--rounds N]</c>.
/// </summary>
internal sealed record BenchArguments(IReadOnlyList<string> Scenarios, int Kills, int WarmupKills, TimeSpan Settle, int Runs, int Workers, string Storage = "both", int Rounds = 3)
{
    public const string Usage = """
        usage: dotnet run -c Release --project tests/Ops.Benchmarks -- <all|restart-latency|footprint|micro|task-throughput|seq-shipping>... [--kills N] [--settle-ms N] [--runs N] [--workers N] [--storage inmemory|postgresql|both] [--rounds N]
          restart-latency  SIGKILL of a child until its replacement runs: floor (sh loop), opsd, supervisord, pm2
          footprint        opsd (and supervisord) RSS, threads and time to Running with 10 and 200 programs
          micro            BenchmarkDotNet: Backoff.Delay against a plain Math.Pow
          task-throughput  runs/s of /bin/true: xargs -P floor, raw Hangfire and opsd tasks, each on InMemory and PostgreSql
          seq-shipping     lines/s from a child's stdout through opsd to a CLEF endpoint, against a bare Serilog Seq sink
          --kills N        measured kills per supervisor in restart-latency (default 100, after 3 warm-up kills)
          --settle-ms N    wait after a child appears before killing it (default 100; must exceed opsd's StartSeconds 50 ms)
          --runs N         runs per row in task-throughput (default 2000, at most 100000: opsd's limit per request)
          --workers N      parallel runs (the queue's Workers, xargs -P) in task-throughput (default 2)
          --storage S      task-throughput rows to run besides the floor: inmemory, postgresql or both (default both)
          --rounds N       task-throughput: rounds of floor, raw Hangfire and opsd on InMemory, medians reported (default 3, at most 20)
        """;

    /// <summary>Most runs per row: opsd takes at most this many items in one request.</summary>
    public const int MaxRuns = 100_000;

    /// <summary>Most rounds of the InMemory rows in task-throughput.</summary>
    public const int MaxRounds = 20;

    /// <summary>Most workers: opsd's limit for a queue's Workers.</summary>
    public const int MaxWorkers = 256;

    public static readonly IReadOnlyList<string> AllScenarios = ["restart-latency", "footprint", "micro", "task-throughput", "seq-shipping"];

    /// <summary>Parses <paramref name="args"/>; the error names what was wrong.</summary>
    public static BenchArguments Parse(IReadOnlyList<string> args, out string? error)
    {
        error = null;
        var scenarios = new List<string>();
        var kills = 100;
        var settleMs = 100;
        var runs = 2000;
        var workers = 2;
        var storage = "both";
        var rounds = 3;
        // The first error wins: a bad value must not be reported as an unknown argument of its own.
        for (var i = 0; i < args.Count && error is null; i++)
        {
            switch (args[i])
            {
                case "--":
                    // Cake and `dotnet run` may hand the separator through.
                    break;
                case "--kills" when i + 1 < args.Count && TryPositive(args[i + 1], out kills):
                case "--settle-ms" when i + 1 < args.Count && TryPositive(args[i + 1], out settleMs):
                case "--runs" when i + 1 < args.Count && TryPositive(args[i + 1], out runs) && runs <= MaxRuns:
                case "--workers" when i + 1 < args.Count && TryPositive(args[i + 1], out workers) && workers <= MaxWorkers:
                case "--rounds" when i + 1 < args.Count && TryPositive(args[i + 1], out rounds) && rounds <= MaxRounds:
                    i++;
                    break;
                case "--storage" when i + 1 < args.Count && args[i + 1] is "inmemory" or "postgresql" or "both":
                    storage = args[++i];
                    break;
                case "--storage":
                    error = "--storage needs inmemory, postgresql or both";
                    break;
                case "all":
                    scenarios.AddRange(AllScenarios);
                    break;
                case var name when AllScenarios.Contains(name):
                    scenarios.Add(name);
                    break;
                case "--runs":
                    error = $"--runs needs a whole number from 1 to {MaxRuns}";
                    break;
                case "--workers":
                    error = $"--workers needs a whole number from 1 to {MaxWorkers}";
                    break;
                case "--rounds":
                    error = $"--rounds needs a whole number from 1 to {MaxRounds}";
                    break;
                default:
                    error = $"unknown or incomplete argument '{args[i]}'";
                    break;
            }
        }

        if (error is null && scenarios.Count == 0)
        {
            error = "name a scenario or 'all'";
        }

        return new BenchArguments(scenarios.Distinct().ToList(), kills, WarmupKills: 3, TimeSpan.FromMilliseconds(settleMs), runs, workers, storage, rounds);
    }

    private static bool TryPositive(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value > 0;
}
