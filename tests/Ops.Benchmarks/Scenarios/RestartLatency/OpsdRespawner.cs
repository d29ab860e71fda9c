using System.Globalization;
using Ops.Benchmarks.Infrastructure;
using Ops.Benchmarks.Supervisors;

namespace Ops.Benchmarks.Scenarios.RestartLatency;

/// <summary>opsd with one program running the child, zero backoff, StartSeconds 50 ms.</summary>
internal sealed class OpsdRespawner : Respawner
{
    public const string Label = "opsd (backoff 0 s)";

    private const string Program = "child";

    private static readonly TimeSpan ApiTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(15);

    private readonly Opsd _opsd;
    private readonly List<Kill> _kills = [];

    private OpsdRespawner(Opsd opsd)
        : base(opsd.Process) => _opsd = opsd;

    public static OpsdRespawner Start(string childScript, string workDirectory, ProcessJanitor janitor) =>
        new(Opsd.Start(workDirectory, [new OpsdProgram(Program, "/bin/sh", ["-c", childScript])], janitor));

    public override Task WaitReadyAsync(int childPid, CancellationToken cancellationToken) =>
        _opsd.WaitForAsync(all => all.Any(p => p.IsRunning && p.Pid == childPid), $"Running with pid {childPid}", ApiTimeout, cancellationToken);

    public override void Observed(int killedPid, DateTimeOffset killedAt, int replacementPid, DateTimeOffset seenAt) =>
        _kills.Add(new Kill(killedPid, killedAt, replacementPid, seenAt));

    public override async Task<string?> CheckAfterAsync(int childPid, int kills, CancellationToken cancellationToken)
    {
        // Restarts are counted when the child is respawned; the last one may still be settling into Running.
        var after = await _opsd.WaitForAsync(all => all.Any(p => p.IsRunning && p.Pid == childPid), $"Running with pid {childPid}", ApiTimeout, cancellationToken);
        var child = after.Single();
        var restarts = child.Restarts == kills
            ? $"opsd's API after the run: Running, pid {childPid}, restarts {child.Restarts} (one per kill)."
            : $"**opsd's API after the run: restarts {child.Restarts}, expected {kills} (one per kill).**";
        return $"{restarts} {await BreakdownAsync(cancellationToken)}";
    }

    public override async Task<string?> StopAsync()
    {
        var (exitCode, took) = await Process.StopAsync(StopTimeout);
        return StopNote("opsd", exitCode, took);
    }

    public override void Dispose() => _opsd.Dispose();

    /// <summary>
    /// Where opsd's share of the latency goes, from its own history (wall clock, so good to a few µs): kill until
    /// opsd records the exit (Running -> Backoff), until it records the new start (Backoff -> Starting, written
    /// after the spawn), and from then until the child's pid arrived.
    /// </summary>
    private async Task<string> BreakdownAsync(CancellationToken cancellationToken)
    {
        var history = await _opsd.HistoryAsync(Program, cancellationToken);
        var exits = history.Where(t => t is { From: "Running", To: "Backoff", Pid: not null }).ToDictionary(t => t.Pid!.Value, t => t.At);
        var starts = history.Where(t => t is { From: "Backoff", To: "Starting", Pid: not null }).ToDictionary(t => t.Pid!.Value, t => t.At);
        var matched = _kills
            .Where(k => exits.ContainsKey(k.Pid) && starts.ContainsKey(k.ReplacementPid))
            .Select(k => (
                Exit: (exits[k.Pid] - k.At).TotalMilliseconds,
                Spawn: (starts[k.ReplacementPid] - exits[k.Pid]).TotalMilliseconds,
                Seen: (k.SeenAt - starts[k.ReplacementPid]).TotalMilliseconds))
            .ToList();
        if (matched.Count == 0)
        {
            return "(no kill matched opsd's history, so no breakdown)";
        }

        static string Median(IEnumerable<double> values) => BenchReport.Ms(LatencySummary.Of(values.ToList()).P50);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"Breakdown from opsd's history, median over the last {matched.Count} kills: kill -> exit recorded (Running->Backoff) {Median(matched.Select(m => m.Exit))} ms, -> new start recorded (Backoff->Starting, after the spawn) {Median(matched.Select(m => m.Spawn))} ms, -> child's pid seen {Median(matched.Select(m => m.Seen))} ms.");
    }

    private sealed record Kill(int Pid, DateTimeOffset At, int ReplacementPid, DateTimeOffset SeenAt);
}
