using Microsoft.Extensions.Time.Testing;
using Ops.Daemon.Logging;
using Ops.Daemon.Tests.Logging.Support;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Ops.Daemon.Tests.Logging;

/// <summary>Serilog's own failures reach the local sinks as rate-limited Warnings, and never loop.</summary>
public sealed class SelfLogRelayTests
{
    private const string Unauthorized = "2025-01-01T10:00:00.0000000Z Received failed HTTP shipping result Unauthorized";

    [Fact]
    public void Write_MoreThanTheLimitInAWindow_RestAreCountedAndReportedWithTheNextOne()
    {
        var time = new FakeTimeProvider();
        var capture = new CapturingSink();
        var relay = Attached(time, capture);

        for (var i = 0; i < SelfLogRelay.MaxPerWindow + 3; i++)
        {
            relay.Write(Unauthorized);
        }

        Assert.Equal(SelfLogRelay.MaxPerWindow, capture.Events.Count);
        time.Advance(SelfLogRelay.Window);
        relay.Write(Unauthorized);

        var last = capture.Events[^1];
        Assert.Equal(SelfLogRelay.MaxPerWindow + 1, capture.Events.Count);
        Assert.Equal(3L, ((ScalarValue)last.Properties["Suppressed"]).Value);
        Assert.All(capture.Events, e => Assert.Equal(LogEventLevel.Warning, e.Level));
        Assert.All(capture.Events, e => Assert.Equal(SelfLogRelay.SourceContext, ((ScalarValue)e.Properties[Constants.SourceContextPropertyName]).Value));
    }

    [Fact]
    public void Write_Unauthorized_NamesTheKeySetting()
    {
        var capture = new CapturingSink();
        Attached(new FakeTimeProvider(), capture).Write(Unauthorized);

        var message = Assert.Single(capture.Events).RenderMessage();
        Assert.StartsWith("Logging problem reported by Serilog: \"Received failed HTTP shipping result Unauthorized\"", message, StringComparison.Ordinal);
        Assert.Contains("Ops:Logging:Seq:ApiKey", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_FromASinkFailingWhileRelaying_IsDroppedInsteadOfLooping()
    {
        var relay = new SelfLogRelay(new FakeTimeProvider());
        var reentering = new ReenteringSink(relay);
        relay.Attach(new LoggerConfiguration().WriteTo.Sink(reentering).CreateLogger());

        relay.Write("2025-01-01T10:00:00.0000000Z File sink failed");

        Assert.Equal(1, reentering.Emitted);
    }

    [Fact]
    public void Describe_DropsTheTimestampAndStackFrames()
    {
        var message = "2025-01-01T10:00:00.0000000Z Exception while emitting periodic batch: System.Net.Http.HttpRequestException: Connection refused (127.0.0.1:5341)\n"
            + " ---> System.Net.Sockets.SocketException (111): Connection refused\n   at System.Net.Http.HttpConnectionPool.ConnectAsync()\n   at Other.Frame()";

        Assert.Equal(
            "Exception while emitting periodic batch: System.Net.Http.HttpRequestException: Connection refused (127.0.0.1:5341) | ---> System.Net.Sockets.SocketException (111): Connection refused",
            SelfLogRelay.Describe(message));
    }

    private static SelfLogRelay Attached(TimeProvider time, ILogEventSink sink)
    {
        var relay = new SelfLogRelay(time);
        relay.Attach(new LoggerConfiguration().WriteTo.Sink(sink).CreateLogger());
        return relay;
    }

    /// <summary>A local sink that fails by reporting to SelfLog, i.e. straight back into the relay.</summary>
    private sealed class ReenteringSink(SelfLogRelay relay) : ILogEventSink
    {
        public int Emitted { get; private set; }

        public void Emit(LogEvent logEvent)
        {
            Emitted++;
            relay.Write("2025-01-01T10:00:01.0000000Z Failed to emit an event");
        }
    }
}
