using Ops.Supervision;
using Ops.Supervision.Supervising;
using Serilog.Core;
using Serilog.Events;

namespace Ops.Daemon.Logging;

/// <summary>
/// Adds <c>Alert</c> to the events worth an alert: those of <see cref="AlertEvents"/> (by event id and name), the
/// alert-worthy events Ops.Jobs writes itself (by its event ids: it sits below the daemon and cannot call
/// <see cref="AlertEvents"/>), and the supervisor's transition of an instance to Fatal. A Fatal event always carries
/// ExitCode (null after a signal), so an alert template can rely on it.
/// </summary>
internal sealed class AlertEnricher : ILogEventEnricher
{
    /// <summary>The categories of Ops.Jobs' loggers start with this.</summary>
    private const string JobsContext = "Ops.Jobs.";

    private static readonly string SupervisorContext = typeof(Supervisor).FullName!;

    /// <summary>Ops.Jobs' event ids (see its LoggerMessage declarations) that are alerts, and their kinds.</summary>
    private static readonly Dictionary<int, string> JobsAlerts = new()
    {
        [3001] = AlertEvents.Kinds.StorageDown,
        [3002] = AlertEvents.Kinds.StorageUp,
        [3101] = AlertEvents.Kinds.TaskFailed,
        [3201] = AlertEvents.Kinds.QueueAtCapacity,
        [3202] = AlertEvents.Kinds.QueueAtCapacity,
    };

    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        var properties = logEvent.Properties;
        if (properties.TryGetValue("EventId", out var eventId) && AlertKind(eventId, SourceContext(properties)) is { } kind)
        {
            logEvent.AddPropertyIfAbsent(new LogEventProperty(LogProperties.Alert, new ScalarValue(kind)));
        }
        else if (IsFatalTransition(properties))
        {
            logEvent.AddPropertyIfAbsent(new LogEventProperty(LogProperties.Alert, new ScalarValue(AlertEvents.Kinds.ProgramFatal)));
            logEvent.AddPropertyIfAbsent(new LogEventProperty(LogProperties.ExitCode, new ScalarValue(null)));
        }
    }

    private static string? SourceContext(IReadOnlyDictionary<string, LogEventPropertyValue> properties) =>
        properties.TryGetValue(Constants.SourceContextPropertyName, out var source) && source is ScalarValue { Value: string context } ? context : null;

    private static string? AlertKind(LogEventPropertyValue eventId, string? sourceContext)
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

        if (id is >= AlertEvents.FirstEventId and <= AlertEvents.LastEventId && name is not null && AlertEvents.Kinds.ByEventId.Contains(name))
        {
            return name;
        }

        return id is { } jobsId && sourceContext?.StartsWith(JobsContext, StringComparison.Ordinal) == true && JobsAlerts.TryGetValue(jobsId, out var kind)
            ? kind
            : null;
    }

    /// <summary>The supervisor's "{Program}:{Instance} {From} -> {State} ({Reason})" event with State Fatal.</summary>
    private static bool IsFatalTransition(IReadOnlyDictionary<string, LogEventPropertyValue> properties) =>
        SourceContext(properties) == SupervisorContext
        && properties.ContainsKey("From")
        && properties.TryGetValue(LogProperties.State, out var state)
        && state is ScalarValue { Value: { } value }
        && value.ToString() == nameof(InstanceState.Fatal);
}
