using Ops.Daemon.Configuration;
using Ops.Processes.Output;
using Ops.Supervision;
using Ops.Supervision.Os;
using Serilog.Core;

namespace Ops.Daemon.Logging;

/// <summary>
/// Ships what the programs print to Seq, one event per line with Program, Instance, Pid and Stream. Each instance
/// has its own bounded subscription to the output store: a child that floods fills only its own buffer, the pumps
/// never wait for Seq (so neither the child nor the daemon is slowed), and lines that do not fit are dropped for Seq
/// only (they are still in the instance's files), counted, and reported as one Warning per instance and interval.
/// </summary>
/// <remarks>
/// Registered before the supervisor's hosted service, so every subscription exists before the first program starts
/// and is drained after the last one stopped.
/// </remarks>
internal sealed partial class ChildOutputShipper(
    OpsSettings settings,
    InstanceOutputStore output,
    Ops.Jobs.Specs.TaskCatalog catalog,
    Ops.Jobs.Running.RunRegistry runs,
    Serilog.ILogger events,
    TimeProvider time,
    ILogger<ChildOutputShipper> logger) : IHostedService, IDisposable
{
    /// <summary>The SourceContext of line events: exempt from Ops:Logging:Level, kept off the console and opsd's file.</summary>
    public const string SourceContext = "Ops.ChildOutput";

    /// <summary>Lines shipped in one go before the loop lets other work on the thread pool run.</summary>
    private const int LinesPerTurn = 256;

    private readonly List<InstanceFeed> _feeds = [];
    private readonly CancellationTokenSource _stopping = new();
    private Task _shipping = Task.CompletedTask;
    private Task _reporting = Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (settings.Seq is not { } seq)
        {
            return Task.CompletedTask;
        }

        var lines = events.ForContext(Constants.SourceContextPropertyName, SourceContext);
        foreach (var (program, levels) in settings.ProgramEntries)
        {
            if (!levels.ToSeq || (levels.Stdout is null && levels.Stderr is null))
            {
                continue;
            }

            // A stream that is Off is not subscribed to: its lines are neither shipped nor counted as dropped.
            OutputStream? only = levels.Stdout is null ? OutputStream.Stderr : levels.Stderr is null ? OutputStream.Stdout : null;
            for (var instance = 0; instance < program.Instances; instance++)
            {
                var id = new InstanceId(program.Name, instance);
                var subscription = output.Subscribe(new OutputFilter(id, only), settings.ChildOutput.BufferLines);
                _feeds.Add(new InstanceFeed(id, levels, subscription, lines));
            }
        }

        // Task runs print from their run slots; a task never has more runs at once on this host than its queue has
        // workers.
        foreach (var task in catalog.Tasks)
        {
            for (var slot = 0; slot < catalog.Queue(task.Queue).Workers; slot++)
            {
                var id = new RunSlotId(task.Name, slot);
                var subscription = output.Subscribe(new OutputFilter(id), settings.ChildOutput.BufferLines);
                _feeds.Add(new InstanceFeed(id, ProgramLogSettings.Default, subscription, lines, pid => runs.Of(id, pid)));
            }
        }

        LogShipping(logger, SecretScanner.WithoutUserInfo(seq.ServerUrl), _feeds.Count, DaemonLogging.BufferDirectory(settings), seq.BufferSizeLimitBytes / (1024 * 1024));
        _shipping = Task.WhenAll(_feeds.Select(feed => Task.Run(() => ShipAsync(feed), CancellationToken.None)));
        _reporting = ReportDropsAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // The supervisor stopped first: every program is down. Completing the subscriptions lets each loop ship
        // what is still buffered and end; then the last drops are reported.
        foreach (var feed in _feeds)
        {
            feed.Subscription.Dispose();
        }

        await _stopping.CancelAsync();
        try
        {
            await Task.WhenAll(_shipping, _reporting).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LogStopTimedOut(logger);
        }

        ReportDrops();
    }

    public void Dispose()
    {
        foreach (var feed in _feeds)
        {
            feed.Subscription.Dispose();
        }

        _stopping.Dispose();
    }

    /// <summary>Logs, per instance, the lines dropped since the last report (and in all).</summary>
    private void ReportDrops()
    {
        foreach (var feed in _feeds)
        {
            var total = feed.Subscription.Dropped;
            var dropped = total - feed.ReportedDrops;
            if (dropped > 0)
            {
                feed.ReportedDrops = total;
                LogDropped(logger, dropped, feed.Owner.LogName, feed.Owner.Index, total, settings.ChildOutput.BufferLines, output.GetLogFilePath(feed.Owner, OutputStream.Stdout));
            }
        }
    }

    private async Task ShipAsync(InstanceFeed feed)
    {
        var reader = feed.Subscription.Lines;
        var failed = false;
        var turn = 0;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (reader.TryRead(out var line))
            {
                try
                {
                    feed.Write(line);
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // A failing observer never takes the supervisor down; one report per instance is enough.
                    if (!failed)
                    {
                        failed = true;
                        LogShipFailed(logger, feed.Owner.LogName, feed.Owner.Index, ex);
                    }
                }

                // A flood must not keep a pool thread to itself: the API and the supervisor share the pool.
                if (++turn == LinesPerTurn)
                {
                    turn = 0;
                    await Task.Yield();
                }
            }
        }
    }

    private async Task ReportDropsAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.ChildOutput.DropReportInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                ReportDrops();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Shipping opsd's events and the output of {InstanceCount} instance(s) to Seq at {SeqUrl}; while Seq cannot be reached they wait in {BufferDirectory} (up to {BufferLimitMB} MB)")]
    private static partial void LogShipping(ILogger logger, string seqUrl, int instanceCount, string bufferDirectory, long bufferLimitMB);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Dropped {Dropped} output lines of {Program}:{Instance} bound for Seq ({DroppedTotal} since opsd started): it prints faster than {BufferLines} buffered lines can be shipped. Every line is still in its files, e.g. {LogFile}")]
    private static partial void LogDropped(ILogger logger, long dropped, string program, int instance, long droppedTotal, int bufferLines, string logFile);

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Shipping a line of {Program}:{Instance} to Seq failed; shipping goes on and further failures of this instance are not logged")]
    private static partial void LogShipFailed(ILogger logger, string program, int instance, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Shutdown timed out before the last output lines were shipped; what was not written to the Seq buffer is lost for Seq (not from the files)")]
    private static partial void LogStopTimedOut(ILogger logger);
}
