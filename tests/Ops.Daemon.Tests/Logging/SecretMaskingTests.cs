using Ops.Daemon.Configuration;
using Ops.Daemon.Logging;
using Ops.Daemon.Tests.Logging.Support;
using Serilog.Events;

namespace Ops.Daemon.Tests.Logging;

/// <summary>The Seq API key and passwords never reach a sink, whichever way they travel into an event.</summary>
public sealed class SecretMaskingTests : IDisposable
{
    private const string ApiKey = "seq-api-key-0123456789";
    private const string Password = "pg-pa55word";

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("opsd-masking-");

    [Fact]
    public void Pipeline_SecretInPropertyExceptionTemplateOrObject_ReachesNoSinkNorFile()
    {
        var capture = new CapturingSink();
        var settings = Settings();
        using (var logger = DaemonLogging.CreateLogger(settings, TimeProvider.System, sinks => sinks.Sink(capture)))
        {
            logger.Information("Connecting with {ApiKey}", ApiKey);
            logger.Information("Seq is {@Seq}", settings.Seq);
            logger.Information("Database {@Database}", new { Name = "ops", ConnectionString = $"Host=db;Password={Password}" });
            logger.Information("Nested {@Data}", new { Items = new[] { $"a {ApiKey} b" }, Map = new Dictionary<string, string> { ["k"] = Password } });
            logger.Information("Upstream {Upstream}", new Uri($"https://bot:{Password}@api.example/"));
            logger.Error(new InvalidOperationException($"Seq refused {ApiKey}", new IOException(Password)), "Shipping failed");
#pragma warning disable CA2254 // The point: a template that was built by interpolation.
            logger.Warning($"Interpolated {ApiKey} into a template");
#pragma warning restore CA2254
        }

        // Serilog's SelfLog (Seq is unreachable here) may add events of its own; these seven are ours.
        var text = capture.Text;
        Assert.Equal(7, capture.Events.Count(e => !e.Properties.ContainsKey(Serilog.Core.Constants.SourceContextPropertyName)));
        Assert.DoesNotContain(ApiKey, text, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, text, StringComparison.Ordinal);
        Assert.Contains("Connecting with \"***\"", text, StringComparison.Ordinal);
        Assert.Contains("Seq refused ***", text, StringComparison.Ordinal);
        Assert.Contains("InvalidOperationException", text, StringComparison.Ordinal);
        Assert.Contains("Interpolated *** into a template", text, StringComparison.Ordinal);
        Assert.Contains("Name: \"ops\"", text, StringComparison.Ordinal);

        var file = Assert.Single(Directory.GetFiles(settings.LogDirectory, "opsd-*.log"));
        var written = File.ReadAllText(file);
        Assert.Contains("Shipping failed", written, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiKey, written, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, written, StringComparison.Ordinal);

        // The Seq sink's durable buffer holds the events too, masked.
        var buffered = string.Concat(Directory.GetFiles(DaemonLogging.BufferDirectory(settings), "*.clef").Select(File.ReadAllText));
        Assert.Contains("Shipping failed", buffered, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiKey, buffered, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, buffered, StringComparison.Ordinal);
    }

    [Fact]
    public void MaskEvent_NoSecret_ReturnsTheSameEvent()
    {
        var masker = new SecretMasker([ApiKey]);
        var logEvent = new LogEvent(DateTimeOffset.Now, LogEventLevel.Information, null, new Serilog.Parsing.MessageTemplateParser().Parse("{Text}"), [new LogEventProperty("Text", new ScalarValue("harmless"))]);

        Assert.Same(logEvent, masker.MaskEvent(logEvent));
    }

    [Fact]
    public void MaskText_OverlappingSecrets_MasksTheLongerWhole()
    {
        var masker = new SecretMasker(["abcd", "abcdefgh"]);

        Assert.Equal("x *** y ***", masker.MaskText("x abcdefgh y abcd"));
    }

    [Fact]
    public void Add_AReloadsSecrets_MaskedFromThenOnWithTheOldOnesKept()
    {
        var masker = new SecretMasker(["old-secret-1"]);
        Assert.Equal("new-secret-22 ***", masker.MaskText("new-secret-22 old-secret-1"));

        masker.Add(["new-secret-22", "new"]);

        Assert.Equal("*** ***", masker.MaskText("new-secret-22 old-secret-1"));
        Assert.True(masker.Contains("x new-secret-22"));
    }

    [Fact]
    public void SeqSettings_ToString_ShowsTheServerButNotTheKey()
    {
        var seq = Settings().Seq!;

        Assert.DoesNotContain(ApiKey, seq.ToString(), StringComparison.Ordinal);
        Assert.Contains("http://127.0.0.1:9/", seq.ToString(), StringComparison.Ordinal);
    }

    public void Dispose() => _directory.Delete(recursive: true);

    private OpsSettings Settings() => new()
    {
        StateDirectory = Path.Combine(_directory.FullName, "state"),
        LogDirectory = Path.Combine(_directory.FullName, "log"),
        LogToConsole = false,
        LogToFile = true,

        // Nothing listens on the discard port: the Seq sink only buffers.
        Seq = new SeqSettings { ServerUrl = "http://127.0.0.1:9/", ApiKey = ApiKey, Period = TimeSpan.FromHours(1) },
        Secrets = [ApiKey, Password],
    };
}
