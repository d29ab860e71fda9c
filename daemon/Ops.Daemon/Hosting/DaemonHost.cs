using System.Text.Json.Serialization;
using Hangfire;
using Hangfire.AspNetCore;
using Ops.Daemon.Api;
using Ops.Daemon.Configuration;
using Ops.Daemon.Dashboard;
using Ops.Daemon.Logging;
using Ops.Daemon.Security;
using Ops.Jobs;
using Ops.Jobs.Servers;
using Ops.Jobs.Specs;
using Serilog;

namespace Ops.Daemon.Hosting;

/// <summary>The composition root: generic host + Kestrel, the supervisor and the HTTP API.</summary>
public static class DaemonHost
{
    /// <summary>Builds the web application for <paramref name="settings"/>; not started.</summary>
    public static WebApplication Build(OpsSettings settings, IConfiguration configuration, Serilog.ILogger logger) =>
        Build(settings, configuration, logger, new SecretMasker(settings?.Secrets ?? []));

    /// <summary>As <see cref="Build(OpsSettings, IConfiguration, Serilog.ILogger)"/>, with the masker <paramref name="logger"/> masks with, so a reload can add to it.</summary>
    internal static WebApplication Build(OpsSettings settings, IConfiguration configuration, Serilog.ILogger logger, SecretMasker masker)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddConfiguration(configuration);
        builder.WebHost.UseUrls([.. settings.Urls]);
        builder.Host.UseSystemd();
        builder.Host.UseWindowsService(o => o.ServiceName = "opsd");
        builder.Services.AddSerilog(logger);

        // The snapshot opsd started with: immutable, so every service may hold it. What runs after a reload is the
        // supervisor's (ISupervisor.Programs); every other section takes effect only on a restart.
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(masker);

        var catalog = new TaskCatalog(settings.Tasks, settings.Queues);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownBudget.Of(settings).HostShutdownTimeout);

        builder.Services.AddLogShipping(settings, logger);
        builder.Services.AddSupervision(settings);
        builder.Services.AddTaskRuns(catalog, new JobsOptions(settings.HostName, settings.Storage));
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        builder.Services.AddProblemDetails();

        // A query value that does not bind throws, so ClientFaults answers it naming the parameter (not an empty 400).
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddOpsSecurity();

        var app = builder.Build();
        JobsServices.InstallFilters(app.Services);
        GlobalConfiguration.Configuration.UseLogProvider(new AspNetCoreLogProvider(app.Services.GetRequiredService<ILoggerFactory>()));
        app.UseExceptionHandler();
        app.UseClientFaults();
        app.UseAuthentication();
        app.UseAccessPolicy();
        app.MapLoginEndpoints();
        app.MapHealthEndpoints();
        app.MapProgramEndpoints();
        app.MapReloadEndpoints();
        app.MapTaskEndpoints();
        app.MapMetricsEndpoint();
        app.MapConsole();
        return app;
    }
}
