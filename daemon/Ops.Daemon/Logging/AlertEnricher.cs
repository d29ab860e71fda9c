using Ops.Supervision;
using Serilog.Core;
using Serilog.Events;

namespace Ops.Daemon.Logging;

/// <summary>
/// Adds <c>Alert</c> to the events worth an alert: those of <see cref="AlertEvents"/> (by event id and name) and the
/// supervisor's transition of an instance to Fatal. A Fatal event always carries ExitCode (null after a signal), so
/// an alert template can rely on it.
/// </summary>
internal sealed class AlertEnricher : ILogEventEnricher
{
    private static readonly string SupervisorContext = typeof(Supervisor).FullName!;

    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        var properties = logEvent.Properties;
        if (properties.TryGetValue("EventId", out var eventId) && AlertKind(eventId) is { } kind)
        {
            logEvent.AddPropertyIfAbsent(new LogEventProperty(LogProperties.Alert, new ScalarValue(kind)));
        }
        else if (IsFatalTransition(properties))
        {
            logEvent.AddPropertyIfAbsent(new LogEventProperty(LogProperties.Alert, new ScalarValue(AlertEvents.Kinds.ProgramFatal)));
            logEvent.AddPropertyIfAbsent(new LogEventProperty(LogProperties.ExitCode, new ScalarValue(null)));
        }
    }

    private static string? AlertKind(LogEventPropertyValue eventId)
    {
        if (eventId is not StructureValue structure)
        {
            return null;
        }

        int? id = null;
        string? name = null;
        foreach (var property in structure.Properties)
        {
            switch (property)
            {
                case { Name: "Id", Value: ScalarValue { Value: int value } }:
                    id = value;
                    break;
                case { Name: "Name", Value: ScalarValue { Value: string value } }:
                    name = value;
                    break;
            }
        }

        return id is >= AlertEvents.FirstEventId and <= AlertEvents.LastEventId && name is not null && AlertEvents.Kinds.ByEventId.Contains(name)
            ? name
            : null;
    }

    /// <summary>The supervisor's "{Program}:{Instance} {From} -> {State} ({Reason})" event with State Fatal.</summary>
    private static bool IsFatalTransition(IReadOnlyDictionary<string, LogEventPropertyValue> properties) =>
        properties.TryGetValue(Constants.SourceContextPropertyName, out var source)
        && source is ScalarValue { Value: string context }
        && context == SupervisorContext
        && properties.ContainsKey("From")
        && properties.TryGetValue(LogProperties.State, out var state)
        && state is ScalarValue { Value: { } value }
        && value.ToString() == nameof(InstanceState.Fatal);
}
