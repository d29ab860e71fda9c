using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Ops.Jobs.Filters;
using Ops.Jobs.Queries;
using Ops.Jobs.Running;
using Ops.Jobs.Servers;
using Ops.Jobs.Specs;
using Ops.Jobs.Storage;
using Ops.Jobs.Submitting;
using Ops.Supervision.Os;

namespace Ops.Jobs;

/// <summary>Registers the task side of the daemon.</summary>
public static class JobsServices
{
    /// <summary>
    /// Adds storage, runner, submitter, queries, the hosted servers, and installs Ops' filters in place of
    /// Hangfire's global AutomaticRetry (Hangfire keeps filters in statics: one daemon per process).
    /// </summary>
    public static IServiceCollection AddTaskRuns(this IServiceCollection services, TaskCatalog catalog, JobsOptions options)
    {
        services.AddSingleton(catalog);
        services.AddSingleton(options);
        services.AddSingleton(sp => new JobStorageHost(options.Storage, sp.GetRequiredService<ILogger<JobStorageHost>>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<RunSlots>();
        services.AddSingleton<RunRegistry>();
        services.AddSingleton<Metrics.TaskMetrics>();
        services.AddSingleton(sp => new TaskRunner(
            catalog,
            sp.GetRequiredService<IProcessLauncher>(),
            sp.GetRequiredService<RunSlots>(),
            options.HostName,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<Metrics.TaskMetrics>(),
            sp.GetRequiredService<RunRegistry>(),
            sp.GetRequiredService<ILogger<TaskRunner>>()));
        services.AddTransient<TaskRunJob>();
        services.AddSingleton<TaskSubmitter>();
        services.AddSingleton<JobQueries>();
        services.AddSingleton<RunGateFilter>();
        services.AddSingleton<AttemptFilter>();
        services.AddSingleton<ConcurrencyFilter>();
        services.AddSingleton<RetryFilter>();
        services.AddSingleton<QueueFilter>();
        services.AddSingleton<RecurringCapacityFilter>();
        services.AddSingleton<TakenAhead.StateFilter>();
        services.AddHostedService<JobsService>();
        services.AddTransient<Hosts.HostCommandJob>();
        services.AddSingleton<Hosts.ClusterPrograms>();
        services.AddHostedService(sp => sp.GetRequiredService<Hosts.ClusterPrograms>());
        return services;
    }

    /// <summary>Puts Ops' filters into Hangfire's global filter list (call once, at start).</summary>
    public static void InstallFilters(IServiceProvider services)
    {
        var filters = GlobalJobFilters.Filters;
        filters.Remove(typeof(AutomaticRetryAttribute));

        // Hangfire's default CaptureCulture keeps two job parameters per job (written at create, read at every run)
        // to restore the caller's culture; opsd runs commands with an invariant culture, so they bought nothing.
        filters.Remove(typeof(CaptureCultureAttribute));
        // Order matters: a run waiting for a worker holds nothing, and a throttled run must not use an attempt, so
        // the gate runs first, then Concurrency, then Attempt.
        filters.Add(services.GetRequiredService<RunGateFilter>(), 0);
        filters.Add(services.GetRequiredService<ConcurrencyFilter>(), 1);
        filters.Add(services.GetRequiredService<AttemptFilter>(), 2);
        filters.Add(services.GetRequiredService<RetryFilter>());
        filters.Add(services.GetRequiredService<QueueFilter>());
        filters.Add(services.GetRequiredService<RecurringCapacityFilter>());
        filters.Add(services.GetRequiredService<TakenAhead.StateFilter>());
        GlobalConfiguration.Configuration
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings();
    }
}
