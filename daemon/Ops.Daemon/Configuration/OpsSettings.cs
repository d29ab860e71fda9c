using Ops.Jobs.Specs;
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

    /// <summary>Shipping to Seq (Ops:Logging:Seq); null when it is not configured.</summary>
    public SeqSettings? Seq { get; set; }

    /// <summary>How child output lines are buffered for Seq and how drops are reported (Ops:Logging:ChildOutput).</summary>
    public ChildOutputSettings ChildOutput { get; set; } = ChildOutputSettings.Default;

    /// <summary>Per program name: whether and at which levels its output lines go to Seq (Log:ToSeq, Log:Level).</summary>
    public IReadOnlyDictionary<string, ProgramLogSettings> ProgramLogs { get; set; } = new Dictionary<string, ProgramLogSettings>();

    /// <summary>Values that never appear in an event: the Seq API key and the passwords found in the configuration.</summary>
    public IReadOnlyList<string> Secrets { get; set; } = [];

    /// <summary>Supervised programs, in name order.</summary>
    public IReadOnlyList<ProgramSpec> Programs { get; set; } = [];

    /// <summary>Task storage (Ops:Storage).</summary>
    public StorageSpec Storage { get; set; } = StorageSpec.Default;

    /// <summary>Declared queues (Ops:Queues); "default" is added when missing.</summary>
    public IReadOnlyList<QueueSpec> Queues { get; set; } = [];

    /// <summary>Run-to-completion tasks (Ops:Tasks), in name order.</summary>
    public IReadOnlyList<TaskSpec> Tasks { get; set; } = [];

    /// <summary>API and console tokens (Ops:Security:Tokens); empty: loopback only, everyone local is Admin.</summary>
    public IReadOnlyList<Ops.Daemon.Security.TokenEntry> Tokens { get; set; } = [];

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
