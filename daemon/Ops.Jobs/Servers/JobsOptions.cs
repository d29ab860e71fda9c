using Ops.Jobs.Specs;

namespace Ops.Jobs.Servers;

/// <summary>What the jobs part of one daemon needs besides the catalog.</summary>
/// <param name="HostName">This host's name (server names, the Host of each run).</param>
/// <param name="Storage">Where jobs live.</param>
public sealed record JobsOptions(string HostName, StorageSpec Storage)
{
    /// <summary>How often due retries and delayed runs are moved to their queue: retry delays are this precise.</summary>
    public TimeSpan SchedulePollingInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How often a processing job's state is checked, so a delete in the console stops the run.</summary>
    public TimeSpan CancellationCheckInterval { get; init; } = TimeSpan.FromSeconds(1);
}
