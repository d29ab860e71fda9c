using Ops.Jobs.Specs;
using Ops.Supervision.Specs;
using Serilog.Events;

namespace Ops.Daemon.Configuration;

/// <summary>
/// One immutable snapshot of the configuration of one opsd, read from the <c>Ops</c> section. The host is built
/// from the snapshot opsd started with and never changes it; a reload reads a new one and hands its programs to the
/// supervisor, which owns what runs (<see cref="Ops.Supervision.ISupervisor.Programs"/>).
/// </summary>
public sealed record OpsSettings
{
    private readonly IReadOnlyList<ProgramEntry> _entries = [];
    /// <summary>The host name shown in the API and logs (Ops:Host:Name, default the machine name).</summary>
    public string HostName { get; init; } = Environment.MachineName;

    /// <summary>Kestrel URLs (Ops:Host:Urls).</summary>
    public IReadOnlyList<string> Urls { get; init; } = [DefaultUrl];

    /// <summary>Orphan records, durable buffers (Ops:Host:StateDirectory).</summary>
    public string StateDirectory { get; init; } = string.Empty;

    /// <summary>opsd's own log files and the per-instance output files (Ops:Host:LogDirectory).</summary>
    public string LogDirectory { get; init; } = string.Empty;

    /// <summary>Minimum level of opsd's own events (Ops:Logging:Level).</summary>
    public LogEventLevel LogLevel { get; init; } = LogEventLevel.Information;

    /// <summary>Write events to the console (Ops:Logging:Console).</summary>
    public bool LogToConsole { get; init; } = true;

    /// <summary>Write events to rolling files in LogDirectory (Ops:Logging:File).</summary>
    public bool LogToFile { get; init; } = true;

    /// <summary>Shipping to Seq (Ops:Logging:Seq); null when it is not configured.</summary>
    public SeqSettings? Seq { get; init; }

    /// <summary>How child output lines are buffered for Seq and how drops are reported (Ops:Logging:ChildOutput).</summary>
    public ChildOutputSettings ChildOutput { get; init; } = ChildOutputSettings.Default;

    /// <summary>Values that never appear in an event: the Seq API key and the passwords found in the configuration.</summary>
    public IReadOnlyList<string> Secrets { get; init; } = [];

    /// <summary>Supervised programs in name order, each with the settings only the daemon reads (its Seq shipping).</summary>
    public IReadOnlyList<ProgramEntry> ProgramEntries
    {
        get => _entries;
        init
        {
            _entries = value;
            Programs = [.. value.Select(e => e.Spec)];
        }
    }

    /// <summary>The specs of <see cref="ProgramEntries"/>, in the same order: what the supervisor runs.</summary>
    public IReadOnlyList<ProgramSpec> Programs { get; private init; } = [];

    /// <summary>Task storage (Ops:Storage).</summary>
    public StorageSpec Storage { get; init; } = StorageSpec.Default;

    /// <summary>Declared queues (Ops:Queues); "default" is added when missing.</summary>
    public IReadOnlyList<QueueSpec> Queues { get; init; } = [];

    /// <summary>Run-to-completion tasks (Ops:Tasks), in name order.</summary>
    public IReadOnlyList<TaskSpec> Tasks { get; init; } = [];

    /// <summary>API and console tokens (Ops:Security:Tokens); empty: loopback only, everyone local is Admin.</summary>
    public IReadOnlyList<Ops.Daemon.Security.TokenEntry> Tokens { get; init; } = [];

    /// <summary>
    /// Every problem found while reading; empty when the configuration is valid. Only <see cref="OpsConfigReader"/>
    /// sets it: <see cref="ConfigLoad"/> hands out a snapshot only when it is empty.
    /// </summary>
    public IReadOnlyList<ConfigError> Errors { get; init; } = [];

    /// <summary>The file the configuration came from, for messages.</summary>
    public string? ConfigPath { get; init; }

    /// <summary>The default listen address: loopback only.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";
}
