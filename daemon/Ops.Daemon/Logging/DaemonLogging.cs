using Ops.Daemon.Configuration;
using Serilog;
using Serilog.Configuration;
using Serilog.Core;
using Serilog.Debugging;
using Serilog.Events;

namespace Ops.Daemon.Logging;

/// <summary>
/// Serilog for opsd: console (journald-friendly), rolling files and Seq with a durable buffer in the state directory,
/// every event enriched with Host, and every sink behind the secret mask. Child output lines go to Seq only (they
/// have their own files); Serilog's own failures go to the console and file only.
/// </summary>
public static class DaemonLogging
{
    private const string ConsoleTemplate = "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}";
    private const string FileTemplate = "{Timestamp:o} [{Level:u3}] {Message:lj} {Properties:j}{NewLine}{Exception}";

    /// <summary>Invalid payloads (Seq answered 400) kept for inspection, at most this much.</summary>
    private const long RetainedInvalidPayloadsLimitBytes = 10L * 1024 * 1024;

    /// <summary>Builds opsd's logger from the validated settings and routes Serilog's SelfLog into it.</summary>
    public static Logger CreateLogger(OpsSettings settings) => CreateLogger(settings, TimeProvider.System);

    /// <summary>As <see cref="CreateLogger(OpsSettings)"/>, masking what <paramref name="masker"/> masks (a reload adds to it).</summary>
    internal static Logger CreateLogger(OpsSettings settings, SecretMasker masker) => CreateLogger(settings, TimeProvider.System, masker: masker);

    /// <summary>The durable buffer of the Seq sink: &lt;StateDirectory&gt;/seq.</summary>
    public static string BufferDirectory(OpsSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return Path.Combine(settings.StateDirectory, "seq");
    }

    internal static Logger CreateLogger(OpsSettings settings, TimeProvider time, Action<LoggerSinkConfiguration>? extraSinks = null, SecretMasker? masker = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        masker ??= new SecretMasker(settings.Secrets);
        var relay = new SelfLogRelay(time);
        var problems = new List<string>();
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Is(settings.LogLevel)
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)

            // A program's lines follow its own Log:Level, not opsd's.
            .MinimumLevel.Override(ChildOutputShipper.SourceContext, LogEventLevel.Verbose)
            .Destructure.With(new SecretDestructuringPolicy())
            .Enrich.FromLogContext()
            .Enrich.WithProperty(LogProperties.Host, settings.HostName)
            .Enrich.With(new AlertEnricher());

        var masked = LoggerSinkConfiguration.Wrap(
            sink => new SecretMaskingSink(sink, masker),
            sinks =>
            {
                sinks.Conditional(e => !HasSourceContext(e, ChildOutputShipper.SourceContext), local => AddLocalSinks(local, settings));
                if (settings.Seq is { } seq)
                {
                    sinks.Conditional(e => !HasSourceContext(e, SelfLogRelay.SourceContext), remote => AddSeq(remote, seq, settings, problems));
                }

                extraSinks?.Invoke(sinks);
            });
        configuration.WriteTo.Sink(masked);

        var logger = configuration.CreateLogger();
        relay.Attach(logger);
        SelfLog.Enable(relay.Write);
        foreach (var problem in problems)
        {
            SelfLog.WriteLine("{0}", problem);
        }

        return logger;
    }

    private static void AddLocalSinks(LoggerSinkConfiguration sinks, OpsSettings settings)
    {
        if (settings.LogToConsole)
        {
            sinks.Console(outputTemplate: ConsoleTemplate);
        }

        if (settings.LogToFile)
        {
            sinks.File(
                Path.Combine(settings.LogDirectory, "opsd-.log"),
                outputTemplate: FileTemplate,
                rollingInterval: RollingInterval.Day,
                fileSizeLimitBytes: 100L * 1024 * 1024,
                rollOnFileSizeLimit: true,
                retainedFileCountLimit: 14,
                shared: false);
        }
    }

    private static void AddSeq(LoggerSinkConfiguration sinks, SeqSettings seq, OpsSettings settings, List<string> problems)
    {
        var directory = BufferDirectory(settings);
        try
        {
            // The shipper lists this directory before the first event creates it.
            Directory.CreateDirectory(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Reported once the logger exists; the sink retries creating it with every event.
            problems.Add($"Cannot create the Seq buffer directory {directory}: {ex.Message}");
        }

        // Durable: every event is appended to a file first and shipped from there, so nothing is lost while Seq is
        // down or refuses the key, and a restart of opsd resumes where the bookmark says.
        sinks.Seq(
            seq.ServerUrl,
            apiKey: seq.ApiKey,
            bufferBaseFilename: Path.Combine(directory, "buffer"),
            bufferSizeLimitBytes: seq.BufferSizeLimitBytes,
            period: seq.Period,
            messageHandler: new SeqHttpHandler(),
            retainedInvalidPayloadsLimitBytes: RetainedInvalidPayloadsLimitBytes);
    }

    private static bool HasSourceContext(LogEvent logEvent, string sourceContext) =>
        logEvent.Properties.TryGetValue(Constants.SourceContextPropertyName, out var value)
        && value is ScalarValue { Value: string context }
        && context == sourceContext;
}
