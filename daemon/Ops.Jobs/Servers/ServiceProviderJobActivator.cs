using Hangfire;
using Microsoft.Extensions.DependencyInjection;

namespace Ops.Jobs.Servers;

/// <summary>Builds job instances (TaskRunJob) from the daemon's container.</summary>
public sealed class ServiceProviderJobActivator(IServiceProvider services) : JobActivator
{
    public override object ActivateJob(Type jobType) => ActivatorUtilities.GetServiceOrCreateInstance(services, jobType);
}
