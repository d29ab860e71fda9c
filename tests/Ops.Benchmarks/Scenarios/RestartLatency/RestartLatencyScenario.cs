using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Ops.Benchmarks.Infrastructure;

namespace Ops.Benchmarks.Scenarios.RestartLatency;

/// <summary>
/// From the SIGKILL of a child until its replacement runs. Each child is <c>sh -c 'echo $$ > FIFO; exec sleep 1000'</c>:
/// the pid it prints is the pid of the sleep that replaces it, so the harness knows exactly whom to kill and sees the
/// replacement the moment it runs. The same child, the same clock and the same run for every respawner.
/// </summary>
internal sealed class RestartLatencyScenario : IScenario
{
    private static readonly TimeSpan FirstChildTimeout = TimeSpan.FromSeconds(30);

    /// <summary>supervisord restarts on its ~1 s tick; anything slower than this is a hang, not a latency.</summary>
    private static readonly TimeSpan RespawnTimeout = TimeSpan.FromSeconds(10);

    public string Name => "restart-latency";

    public TimeSpan Limit => TimeSpan.FromMinutes(4);

    public async Task<string> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var janitor = context.Janitor;
        var table = new MarkdownTable("respawner", "kills", "p50 ms", "p90 ms", "p99 ms", "max ms", "p50 / floor p50");
        var notes = new List<string>();
        LatencySummary? floor = null;

        void AddRow(string label, Measurement measured)
        {
            var s = measured.Summary;
            floor ??= s;
            var ratio = (s.P50 / floor.P50).ToString("0.00", CultureInfo.InvariantCulture);
            table.Add(label, s.Count.ToString(CultureInfo.InvariantCulture), BenchReport.Ms(s.P50), BenchReport.Ms(s.P90), BenchReport.Ms(s.P99), BenchReport.Ms(s.Max), ratio);
            notes.AddRange(measured.Notes);
        }

        // A third-party baseline that fails is a note, not a failed run: the floor and opsd are what this measures.
        async Task AddBaselineAsync(string label, string name, Func<string, string, Respawner> start)
        {
            try
            {
                AddRow(label, await MeasureAsync(context, name, start, cancellationToken));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                table.Add(label, "failed (see below)", "", "", "", "", "");
                notes.Add($"{name} failed: {e.Message.ReplaceLineEndings(" / ")}");
            }
        }

        AddRow(ShellLoopRespawner.Label, await MeasureAsync(context, "floor", (work, child) => ShellLoopRespawner.Start(child, janitor), cancellationToken));

        var opsd = await MeasureAsync(context, "opsd", (work, child) => OpsdRespawner.Start(child, work, janitor), cancellationToken);
        AddRow(OpsdRespawner.Label, opsd);

        if (Supervisors.Supervisord.Find() is { } supervisord)
        {
            await AddBaselineAsync("supervisord (autorestart, startsecs=0)", "supervisord", (work, child) => SupervisordRespawner.Start(supervisord, child, work, janitor));
        }
        else
        {
            table.Add("supervisord", "skipped: not installed", "", "", "", "", "");
            notes.Add($"supervisord: skipped, not installed (Debian package `{Supervisors.Supervisord.Package}`; the benchmark never installs it).");
        }

        if (Pm2Respawner.Find() is { } pm2)
        {
            await AddBaselineAsync("pm2-runtime (autorestart, restart_delay 0)", "pm2", (work, child) => Pm2Respawner.Start(pm2, child, work, janitor));
        }
        else
        {
            table.Add("pm2", "skipped: not on PATH", "", "", "", "", "");
            notes.Add("pm2: skipped, pm2-runtime is not on PATH (optional).");
        }

        var arguments = context.Arguments;
        var text = new StringBuilder()
            .AppendLine("## restart-latency")
            .AppendLine()
            .AppendLine("From `kill(pid, SIGKILL)` of the child until its replacement has written its pid into the FIFO (Stopwatch, in the harness).")
            .AppendLine(string.Create(CultureInfo.InvariantCulture, $"Child: `sh -c 'echo $$ > FIFO; exec sleep 1000'`. {arguments.Kills} measured kills per respawner after {arguments.WarmupKills} warm-up kills; each kill {arguments.Settle.TotalMilliseconds:0} ms after the child appeared."))
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

    /// <summary>Starts a respawner of the child in a fresh directory with a fresh FIFO, measures it, and cleans up after it.</summary>
    private static async Task<Measurement> MeasureAsync(
        BenchContext context,
        string name,
        Func<string, string, Respawner> start,
        CancellationToken cancellationToken)
    {
        var work = context.NewWorkDirectory($"restart-{name}");
        using var fifo = new PidFifo(Path.Combine(work, "pids.fifo"));
        var childScript = $"echo $$ > '{fifo.Path}'; exec sleep 1000";
        Console.WriteLine($"restart-latency: {name}");
        var respawner = start(work, childScript);
        try
        {
            return await KillRepeatedlyAsync(context.Arguments, fifo, respawner, cancellationToken);
        }
        finally
        {
            respawner.Dispose();

            // Nothing of this respawner (an adopted orphan, a daemonized helper) may disturb the next one.
            context.Janitor.Sweep(TimeSpan.FromSeconds(5));
        }
    }

    /// <summary>Kills the child warm-up + measured times, timing each replacement, then checks and stops the respawner.</summary>
    private static async Task<Measurement> KillRepeatedlyAsync(BenchArguments arguments, PidFifo fifo, Respawner respawner, CancellationToken cancellationToken)
    {
        var notes = new List<string>();
        var (pid, _) = ReadPid(fifo, respawner, FirstChildTimeout, "the first child", cancellationToken);
        await respawner.WaitReadyAsync(pid, cancellationToken);

        var samples = new List<double>(arguments.Kills);
        for (var kill = 0; kill < arguments.WarmupKills + arguments.Kills; kill++)
        {
            if (cancellationToken.WaitHandle.WaitOne(arguments.Settle))
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (fifo.TryReadPidNow() is { } extra)
            {
                throw new InvalidOperationException($"{respawner.Process.Label}: a second child (pid {extra}) appeared while pid {pid} was running");
            }

            var killedAt = Stopwatch.GetTimestamp();
            var killedAtWall = DateTimeOffset.UtcNow;
            if (Libc.kill(pid, Libc.SIGKILL) != 0)
            {
                throw new InvalidOperationException($"{respawner.Process.Label}: child pid {pid} was gone before the kill (errno {Marshal.GetLastPInvokeError()}): something else restarted it");
            }

            var (next, seenAt) = ReadPid(fifo, respawner, RespawnTimeout, $"the replacement of pid {pid}", cancellationToken);
            respawner.Observed(pid, killedAtWall, next, DateTimeOffset.UtcNow);
            if (next == pid)
            {
                throw new InvalidOperationException($"{respawner.Process.Label}: the replacement reported the killed pid {pid}");
            }

            if (kill >= arguments.WarmupKills)
            {
                samples.Add(Stopwatch.GetElapsedTime(killedAt, seenAt).TotalMilliseconds);
            }

            pid = next;
        }

        // Let the last child settle so the API check sees it Running.
        cancellationToken.WaitHandle.WaitOne(arguments.Settle);
        if (await respawner.CheckAfterAsync(pid, arguments.WarmupKills + arguments.Kills, cancellationToken) is { } after)
        {
            notes.Add(after);
        }

        if (await respawner.StopAsync() is { } stopped)
        {
            notes.Add($"**{stopped}**");
        }

        return new Measurement(LatencySummary.Of(samples), notes);
    }

    private static (int Pid, long Timestamp) ReadPid(PidFifo fifo, Respawner respawner, TimeSpan timeout, string what, CancellationToken cancellationToken)
    {
        try
        {
            return fifo.ReadPid(timeout, what, respawner.Process.ThrowIfExited, cancellationToken);
        }
        catch (TimeoutException e)
        {
            respawner.Process.ThrowIfExited();
            throw new TimeoutException($"{respawner.Process.Label}: {e.Message}; its last output:{Environment.NewLine}{respawner.Process.Tail()}", e);
        }
    }

    private sealed record Measurement(LatencySummary Summary, IReadOnlyList<string> Notes);
}
