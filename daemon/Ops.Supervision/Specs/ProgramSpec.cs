using Ops.Supervision.Os;

namespace Ops.Supervision.Specs;

/// <summary>
/// One supervised program, validated and immutable. <c>{instance}</c> and <c>{program}</c> are still unexpanded in
/// Args, Environment and Health; <see cref="ForInstance"/> expands them.
/// </summary>
public sealed partial record ProgramSpec
{
    /// <summary>The program name: [a-z0-9][a-z0-9_-]*.</summary>
    public required string Name { get; init; }

    /// <summary>Executable path or name on PATH; never run through a shell.</summary>
    public required string Command { get; init; }

    public IReadOnlyList<string> Args { get; init; } = [];

    /// <summary>Null: the daemon's working directory.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>Added to the daemon's environment.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Run as this user (the daemon must be root); null: the daemon's user.</summary>
    public string? User { get; init; }

    public int Instances { get; init; } = 1;

    public bool AutoStart { get; init; } = true;

    public RestartPolicy Restart { get; init; } = RestartPolicy.OnFailure;

    public IReadOnlyList<int> SuccessExitCodes { get; init; } = [0];

    /// <summary>A start succeeds when the process stays up this long.</summary>
    public TimeSpan StartSeconds { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Consecutive failed starts, or restarts inside RestartWindow, before Fatal.</summary>
    public int MaxRestarts { get; init; } = 5;

    public TimeSpan RestartWindow { get; init; } = TimeSpan.FromMinutes(10);

    public BackoffPolicy Backoff { get; init; } = BackoffPolicy.Default;

    /// <summary>When set, a Fatal instance is tried again after this long, with a new budget.</summary>
    public TimeSpan? FatalRetryAfter { get; init; }

    public StopSignal StopSignal { get; init; } = StopSignal.SIGTERM;

    /// <summary>After StopSignal, wait this long, then SIGKILL the whole process group.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>RSS of the whole process tree in MB; 0 = off.</summary>
    public int MemoryLimitMB { get; init; }

    /// <summary>Programs that must be Running (and healthy, when they have a health check) before this one starts.</summary>
    public IReadOnlyList<string> DependsOn { get; init; } = [];

    public HealthCheckSpec? Health { get; init; }

    public LogSpec Log { get; init; } = LogSpec.Default;

    /// <summary>The launch description of instance <paramref name="instance"/> with {instance} and {program} expanded.</summary>
    public LaunchSpec ForInstance(int instance) => new(
        new InstanceId(Name, instance),
        Command,
        [.. Args.Select(a => Expand(a, instance))],
        WorkingDirectory is null ? null : Expand(WorkingDirectory, instance),
        Environment.ToDictionary(kv => kv.Key, kv => Expand(kv.Value, instance), StringComparer.Ordinal),
        User,
        Log);

    /// <summary>Replaces {instance} and {program} in <paramref name="value"/>.</summary>
    public string Expand(string value, int instance) =>
        value.Replace("{instance}", instance.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
             .Replace("{program}", Name, StringComparison.Ordinal);
}
