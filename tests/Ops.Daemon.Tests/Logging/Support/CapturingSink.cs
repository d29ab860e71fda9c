using System.Text;
using Serilog.Core;
using Serilog.Events;
using Serilog.Sinks.Seq;

namespace Ops.Daemon.Tests.Logging.Support;

/// <summary>Keeps each event, and its CLEF form and rendered message as a sink would write them.</summary>
internal sealed class CapturingSink : ILogEventSink
{
    private readonly SeqCompactJsonFormatter _clef = new();
    private readonly List<LogEvent> _events = [];
    private readonly StringBuilder _text = new();

    public IReadOnlyList<LogEvent> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>Everything written so far: CLEF lines, rendered messages and exceptions.</summary>
    public string Text
    {
        get
        {
            lock (_events)
            {
                return _text.ToString();
            }
        }
    }

    public void Emit(LogEvent logEvent)
    {
        lock (_events)
        {
            _events.Add(logEvent);
            using var writer = new StringWriter(_text);
            _clef.Format(logEvent, writer);
            logEvent.RenderMessage(writer);
            writer.WriteLine(logEvent.Exception?.ToString());
        }
    }
}
