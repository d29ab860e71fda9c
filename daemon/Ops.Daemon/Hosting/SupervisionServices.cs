using Ops.Daemon.Configuration;
using Ops.Processes;
using Ops.Processes.Health;
using Ops.Processes.Launching;
using Ops.Processes.Output;
using Ops.Processes.Sampling;
using Ops.Supervision;
using Ops.Supervision.Os;
using Ops.Supervision.Restarts;
using Ops.Supervision.Supervising;

namespace Ops.Daemon.Hosting;

/// <summary>Registers the heart and its Linux edge.</summary>
internal static class SupervisionServices
{
    public static IServiceCollection AddSupervision(this IServiceCollection services, OpsSettings settings)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(new ProcessOptions
        {
            StateDirectory = settings.StateDirectory,
            LogDirectory = Path.Combine(settings.LogDirectory, "programs"),
            TaskLogDirectory = Path.Combine(settings.LogDirectory, "tasks"),
        });
        services.AddSingleton<InstanceOutputStore>(sp =>
        {
            var store = new InstanceOutputStore(
                sp.GetRequiredService<ProcessOptions>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<InstanceOutputStore>>());

            // A program may print a password it was given: the files, the tail and every follower see *** instead.
            store.MaskSecrets(settings.Secrets);
            return store;
        });
        services.AddSingleton<IProcessLauncher>(sp => new LinuxProcessLauncher(
            sp.GetRequiredService<ProcessOptions>(),
            sp.GetRequiredService<InstanceOutputStore>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<LinuxProcessLauncher>>()));
        services.AddSingleton<IProcessTreeSampler, ProcFsTreeSampler>();
        services.AddSingleton<IHealthProbe>(sp => new HealthProbe(
            sp.GetRequiredService<IProcessLauncher>(),
            sp.GetRequiredService<ILogger<HealthProbe>>()));
        services.AddSingleton<IRandomSource>(SharedRandomSource.Instance);
        services.AddSingleton(sp => new Supervisor(
            settings.Programs,
            sp.GetRequiredService<IProcessLauncher>(),
            sp.GetRequiredService<IProcessTreeSampler>(),
            sp.GetRequiredService<IHealthProbe>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IRandomSource>(),
            sp.GetRequiredService<ILogger<Supervisor>>()));
        services.AddSingleton<ISupervisor>(sp => sp.GetRequiredService<Supervisor>());
        services.AddSingleton<OrphanCleanup>();
        services.AddHostedService<SupervisorService>();
        return services;
    }
}
