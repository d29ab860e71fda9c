using Ops.Daemon.Configuration;
using Ops.Processes.Output;
using Ops.Supervision.Os;
using Serilog.Events;
using Serilog.Parsing;

namespace Ops.Daemon.Logging;

/// <summary>
/// The output of one instance on its way to Seq: its subscription to the output store, and the parts of its events
/// that never change (Program, Instance, Stream), built once. One loop reads it, so it needs no locking.
/// </summary>
internal sealed class InstanceFeed
{
    private static readonly MessageTemplate LineTemplate = new MessageTemplateParser().Parse("{" + LogProperties.Text + "}");
    private static readonly LogEventProperty StdoutProperty = new(LogProperties.Stream, new ScalarValue("stdout"));
    private static readonly LogEventProperty StderrProperty = new(LogProperties.Stream, new ScalarValue("stderr"));

    private readonly Serilog.ILogger _events;
    private readonly ProgramLogSettings _levels;
    private readonly LogEventProperty _program;
    private readonly LogEventProperty _instance;
    private LogEventProperty? _pid;

    private readonly Func<int, Ops.Jobs.Running.RunInfo?>? _runOf;

    /// <param name="owner">The instance or task-run slot whose lines these are.</param>
    /// <param name="levels">The level of each stream.</param>
    /// <param name="subscription">Its lines.</param>
    /// <param name="events">Where the events go.</param>
    /// <param name="runOf">For task runs: the job a pid belongs to, so lines carry Task, JobId and Attempt.</param>
    public InstanceFeed(LaunchOwner owner, ProgramLogSettings levels, OutputSubscription subscription, Serilog.ILogger events, Func<int, Ops.Jobs.Running.RunInfo?>? runOf = null)
    {
        (Owner, Subscription, _levels, _events, _runOf) = (owner, subscription, levels, events, runOf);
        _program = new LogEventProperty(LogProperties.Program, new ScalarValue(owner.LogName));
        _instance = new LogEventProperty(LogProperties.Instance, new ScalarValue(owner.Index));
    }

    /// <summary>The instance or task-run slot.</summary>
    public LaunchOwner Owner { get; }

    public OutputSubscription Subscription { get; }

    /// <summary>Dropped lines already reported; only the drop reporter touches it.</summary>
    public long ReportedDrops { get; set; }

    /// <summary>Writes <paramref name="line"/> as an event at its stream's level (nothing when that stream is Off).</summary>
    public void Write(OutputLine line)
    {
        if (_levels.LevelOf(line.Stream) is not { } level)
        {
            return;
        }

        // Restarts change the pid; between them every line reuses one property.
        if (_pid?.Value is not ScalarValue { Value: int pid } || pid != line.Pid)
        {
            _pid = new LogEventProperty(LogProperties.Pid, new ScalarValue(line.Pid));
        }

        List<LogEventProperty> properties = [_program, _instance, _pid, line.Stream == OutputStream.Stderr ? StderrProperty : StdoutProperty, new LogEventProperty(LogProperties.Text, new ScalarValue(line.Text))];
        if (_runOf?.Invoke(line.Pid) is { } run)
        {
            properties.Add(new LogEventProperty(LogProperties.Task, new ScalarValue(run.Task)));
            properties.Add(new LogEventProperty(LogProperties.JobId, new ScalarValue(run.JobId)));
            properties.Add(new LogEventProperty(LogProperties.Attempt, new ScalarValue(run.Attempt)));
        }

        _events.Write(new LogEvent(line.Timestamp, level, exception: null, LineTemplate, properties));
    }
}
