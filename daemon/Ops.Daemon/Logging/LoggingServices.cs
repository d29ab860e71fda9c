using Ops.Daemon.Configuration;
using Ops.Processes.Output;

namespace Ops.Daemon.Logging;

/// <summary>Registers the shipping of child output to Seq.</summary>
internal static class LoggingServices
{
    /// <summary>
    /// Call before the supervisor's registration: hosted services start in registration order and stop in reverse,
    /// so the shipper subscribes before any program starts and drains after the last one stopped.
    /// </summary>
    public static IServiceCollection AddLogShipping(this IServiceCollection services, OpsSettings settings, Serilog.ILogger events)
    {
        services.AddSingleton(sp => new ChildOutputShipper(
            settings,
            sp.GetRequiredService<InstanceOutputStore>(),
            sp.GetRequiredService<Ops.Jobs.Specs.TaskCatalog>(),
            sp.GetRequiredService<Ops.Jobs.Running.RunRegistry>(),
            events,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ChildOutputShipper>>()));
        services.AddHostedService(sp => sp.GetRequiredService<ChildOutputShipper>());
        return services;
    }
}
