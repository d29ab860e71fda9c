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

    private readonly Func<string, int, int, Ops.Jobs.Running.RunInfo?>? _runOf;

    /// <param name="runOf">For task runs: the job a pid belongs to, so lines carry Task, JobId and Attempt.</param>
    public InstanceFeed(string program, int instance, ProgramLogSettings levels, OutputSubscription subscription, Serilog.ILogger events, Func<string, int, int, Ops.Jobs.Running.RunInfo?>? runOf = null)
    {
        (Program, Instance, Subscription, _levels, _events, _runOf) = (program, instance, subscription, levels, events, runOf);
        _program = new LogEventProperty(LogProperties.Program, new ScalarValue(program));
        _instance = new LogEventProperty(LogProperties.Instance, new ScalarValue(instance));
    }

    public string Program { get; }

    public int Instance { get; }

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
        if (_runOf?.Invoke(line.Program, line.Instance, line.Pid) is { } run)
        {
            properties.Add(new LogEventProperty(LogProperties.Task, new ScalarValue(run.Task)));
            properties.Add(new LogEventProperty(LogProperties.JobId, new ScalarValue(run.JobId)));
            properties.Add(new LogEventProperty(LogProperties.Attempt, new ScalarValue(run.Attempt)));
        }

        _events.Write(new LogEvent(line.Timestamp, level, exception: null, LineTemplate, properties));
    }
}
