using Microsoft.Extensions.Logging;
using Ops.Daemon.Logging;
using Ops.Daemon.Tests.Logging.Support;
using Ops.Supervision;
using Ops.Supervision.Supervising;
using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;

namespace Ops.Daemon.Tests.Logging;

/// <summary>Alert events are single well-formed events carrying Alert, through the same MEL-to-Serilog path as opsd.</summary>
public sealed class AlertEventsTests : IDisposable
{
    private readonly CapturingSink _capture = new();
    private readonly SerilogLoggerFactory _factory;

    public AlertEventsTests() =>
        _factory = new SerilogLoggerFactory(new LoggerConfiguration().Enrich.With(new AlertEnricher()).WriteTo.Sink(_capture).CreateLogger(), dispose: true);

    [Fact]
    public void TaskFailed_IsOneErrorWithTheStableNames()
    {
        AlertEvents.TaskFailed(_factory.CreateLogger("Ops.Jobs.Runs"), "backup", "42", 4, "disk", "exit 2", 2);

        var alert = Assert.Single(_capture.Events);
        Assert.Equal(LogEventLevel.Error, alert.Level);
        Assert.Equal(
            ["TaskFailed", "backup", "42", 4, "disk", "exit 2", 2],
            new[] { "Alert", "Task", "JobId", "Attempt", "Queue", "Reason", "ExitCode" }.Select(p => ((ScalarValue)alert.Properties[p]).Value));
    }

    [Fact]
    public void QueueStorageAlerts_CarryTheirKinds()
    {
        var logger = _factory.CreateLogger("Ops.Jobs.Queues");
        AlertEvents.QueueAtCapacity(logger, "cpu", 100, 100, 5, "resize");
        AlertEvents.StorageDown(logger, "PostgreSql", "connection refused", null);
        AlertEvents.StorageUp(logger, "PostgreSql", TimeSpan.FromMinutes(3));

        Assert.Equal(["QueueAtCapacity", "StorageDown", "StorageUp"], _capture.Events.Select(e => ((ScalarValue)e.Properties["Alert"]).Value));
    }

    [Theory]
    [InlineData("Ops.Jobs.Storage.JobStorageHost", 3001, "StorageDown")]
    [InlineData("Ops.Jobs.Storage.JobStorageHost", 3002, "StorageUp")]
    [InlineData("Ops.Jobs.Filters.RetryFilter", 3101, "TaskFailed")]
    [InlineData("Ops.Jobs.Filters.RecurringCapacityFilter", 3201, "QueueAtCapacity")]
    [InlineData("Ops.Jobs.Submitting.TaskSubmitter", 3202, "QueueAtCapacity")]
    [InlineData("Ops.Jobs.Filters.RetryFilter", 3100, null)]
    [InlineData("Somebody.Else", 3101, null)]
    public void JobsOwnAlertEvents_AreTaggedByEventId(string category, int eventId, string? kind)
    {
#pragma warning disable CA1848 // Stands in for Ops.Jobs' own LoggerMessage declarations.
        _factory.CreateLogger(category).Log(Microsoft.Extensions.Logging.LogLevel.Error, new EventId(eventId), "Something happened");
#pragma warning restore CA1848

        var logged = Assert.Single(_capture.Events);
        Assert.Equal(kind, logged.Properties.TryGetValue("Alert", out var alert) ? ((ScalarValue)alert).Value : null);
    }

    [Fact]
    public void SupervisorTransitionToFatal_IsTaggedWithExitCodeEvenAfterASignal()
    {
        var supervisor = _factory.CreateLogger<Supervisor>();
        const string Template = "{Program}:{Instance} {From} -> {State} ({Reason})";
#pragma warning disable CA1848, CA2254 // The supervisor's own message, reproduced.
        supervisor.Log(Microsoft.Extensions.Logging.LogLevel.Information, new EventId(1), Template, "web", 0, InstanceState.Starting, InstanceState.Backoff, "exit 3");
        supervisor.Log(Microsoft.Extensions.Logging.LogLevel.Error, new EventId(1), Template, "web", 0, InstanceState.Backoff, InstanceState.Fatal, "signal 9");
        _factory.CreateLogger("Other").Log(Microsoft.Extensions.Logging.LogLevel.Error, new EventId(1), Template, "web", 0, InstanceState.Backoff, InstanceState.Fatal, "exit 3");
        _factory.CreateLogger("Other").Log(Microsoft.Extensions.Logging.LogLevel.Error, new EventId(9001, "Unrelated"), "Not an alert");
#pragma warning restore CA1848, CA2254

        var fatal = Assert.Single(_capture.Events, e => e.Properties.ContainsKey("Alert"));
        Assert.Equal("ProgramFatal", ((ScalarValue)fatal.Properties["Alert"]).Value);
        Assert.Null(((ScalarValue)fatal.Properties["ExitCode"]).Value);
        Assert.Equal("signal 9", ((ScalarValue)fatal.Properties["Reason"]).Value);
    }

    public void Dispose() => _factory.Dispose();
}
