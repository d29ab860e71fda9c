using Ops.Daemon.Configuration;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace Ops.Daemon.Logging;

/// <summary>Serilog for opsd: console (journald-friendly) and rolling files, enriched with Host.</summary>
public static class DaemonLogging
{
    private const string ConsoleTemplate = "[{Timestamp:HH:mm:ss} {Level:u3}] {Message:lj}{NewLine}{Exception}";
    private const string FileTemplate = "{Timestamp:o} [{Level:u3}] {Message:lj} {Properties:j}{NewLine}{Exception}";

    /// <summary>Builds opsd's logger from the validated settings.</summary>
    public static Logger CreateLogger(OpsSettings settings)
    {
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Is(settings.LogLevel)
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
            .Enrich.FromLogContext()
            .Enrich.WithProperty("Host", settings.HostName);

        if (settings.LogToConsole)
        {
            configuration.WriteTo.Console(outputTemplate: ConsoleTemplate);
        }

        if (settings.LogToFile)
        {
            configuration.WriteTo.File(
                Path.Combine(settings.LogDirectory, "opsd-.log"),
                outputTemplate: FileTemplate,
                rollingInterval: RollingInterval.Day,
                fileSizeLimitBytes: 100L * 1024 * 1024,
                rollOnFileSizeLimit: true,
                retainedFileCountLimit: 14,
                shared: false);
        }

        return configuration.CreateLogger();
    }
}
