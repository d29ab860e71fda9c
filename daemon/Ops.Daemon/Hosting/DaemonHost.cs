using System.Text.Json.Serialization;
using Hangfire;
using Hangfire.AspNetCore;
using Microsoft.Extensions.Options;
using Ops.Jobs;
using Ops.Jobs.Servers;
using Ops.Jobs.Specs;
using Ops.Daemon.Api;
using Ops.Daemon.Configuration;
using Ops.Daemon.Dashboard;
using Ops.Daemon.Security;
using Ops.Daemon.Logging;
using Serilog;

namespace Ops.Daemon.Hosting;

/// <summary>The composition root: generic host + Kestrel, the supervisor and the HTTP API.</summary>
public static class DaemonHost
{
    /// <summary>Margin on top of the programs' stop timeouts before the host gives up waiting.</summary>
    private static readonly TimeSpan ShutdownMargin = TimeSpan.FromSeconds(15);

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

        builder.Services.AddSingleton<IValidateOptions<OpsSettings>, OpsSettingsValidator>();
        builder.Services.AddOptions<OpsSettings>().Configure(o => Copy(settings, o)).ValidateOnStart();
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(masker);

        var catalog = new TaskCatalog(settings.Tasks, settings.Queues);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout(settings));

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

    /// <summary>
    /// How long the host waits for everything to stop; the systemd unit's TimeoutStopSec (opsd service install) is
    /// computed from it, so keep this the one place that knows.
    /// </summary>
    public static TimeSpan ShutdownTimeout(OpsSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);

        // Programs stop level by level in reverse dependency order, so the worst case adds up the levels.
        var levels = Math.Max(1, OpsConfigReader.Order(settings.Programs).Levels.Count);
        var catalog = new TaskCatalog(settings.Tasks, settings.Queues);
        var longest = TimeSpan.FromTicks(Math.Max((settings.LongestStopTimeout * levels).Ticks, catalog.LongestStopTimeout.Ticks));
        return longest + ShutdownMargin;
    }

    private static void Copy(OpsSettings from, OpsSettings to)
    {
        to.HostName = from.HostName;
        to.Urls = from.Urls;
        to.StateDirectory = from.StateDirectory;
        to.LogDirectory = from.LogDirectory;
        to.LogLevel = from.LogLevel;
        to.LogToConsole = from.LogToConsole;
        to.LogToFile = from.LogToFile;
        to.Seq = from.Seq;
        to.ChildOutput = from.ChildOutput;
        to.ProgramLogs = from.ProgramLogs;
        to.Secrets = from.Secrets;
        to.Programs = from.Programs;
        to.Storage = from.Storage;
        to.Queues = from.Queues;
        to.Tasks = from.Tasks;
        to.Tokens = from.Tokens;
        to.Errors = from.Errors;
        to.ConfigPath = from.ConfigPath;
    }
}
