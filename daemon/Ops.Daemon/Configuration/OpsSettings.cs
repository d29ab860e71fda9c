using Ops.Supervision.Specs;
using Serilog.Events;

namespace Ops.Daemon.Configuration;

/// <summary>The whole validated configuration of one opsd, read from the <c>Ops</c> section.</summary>
public sealed class OpsSettings
{
    /// <summary>The host name shown in the API and logs (Ops:Host:Name, default the machine name).</summary>
    public string HostName { get; set; } = Environment.MachineName;

    /// <summary>Kestrel URLs (Ops:Host:Urls).</summary>
    public IReadOnlyList<string> Urls { get; set; } = [DefaultUrl];

    /// <summary>Orphan records, durable buffers (Ops:Host:StateDirectory).</summary>
    public string StateDirectory { get; set; } = string.Empty;

    /// <summary>opsd's own log files and the per-instance output files (Ops:Host:LogDirectory).</summary>
    public string LogDirectory { get; set; } = string.Empty;

    /// <summary>Minimum level of opsd's own events (Ops:Logging:Level).</summary>
    public LogEventLevel LogLevel { get; set; } = LogEventLevel.Information;

    /// <summary>Write events to the console (Ops:Logging:Console).</summary>
    public bool LogToConsole { get; set; } = true;

    /// <summary>Write events to rolling files in LogDirectory (Ops:Logging:File).</summary>
    public bool LogToFile { get; set; } = true;

    /// <summary>Supervised programs, in name order.</summary>
    public IReadOnlyList<ProgramSpec> Programs { get; set; } = [];

    /// <summary>Every problem found while reading; empty when the configuration is valid.</summary>
    public IReadOnlyList<ConfigError> Errors { get; set; } = [];

    /// <summary>The file the configuration came from, for messages.</summary>
    public string? ConfigPath { get; set; }

    /// <summary>The default listen address: loopback only.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>The longest StopTimeout of any program: host shutdown must wait longer than this.</summary>
    public TimeSpan LongestStopTimeout =>
        Programs.Count == 0 ? TimeSpan.Zero : Programs.Max(p => p.StopTimeout);
}
