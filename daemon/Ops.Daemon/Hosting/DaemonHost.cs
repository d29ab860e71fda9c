using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Ops.Daemon.Api;
using Ops.Daemon.Configuration;
using Serilog;

namespace Ops.Daemon.Hosting;

/// <summary>The composition root: generic host + Kestrel, the supervisor and the HTTP API.</summary>
public static class DaemonHost
{
    /// <summary>Margin on top of the programs' stop timeouts before the host gives up waiting.</summary>
    private static readonly TimeSpan ShutdownMargin = TimeSpan.FromSeconds(15);

    /// <summary>Builds the web application for <paramref name="settings"/>; not started.</summary>
    public static WebApplication Build(OpsSettings settings, IConfiguration configuration, Serilog.ILogger logger)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddConfiguration(configuration);
        builder.WebHost.UseUrls([.. settings.Urls]);
        builder.Host.UseSystemd();
        builder.Services.AddSerilog(logger);

        builder.Services.AddSingleton<IValidateOptions<OpsSettings>, OpsSettingsValidator>();
        builder.Services.AddOptions<OpsSettings>().Configure(o => Copy(settings, o)).ValidateOnStart();
        builder.Services.AddSingleton(settings);

        // Programs stop level by level in reverse dependency order, so the worst case adds up the levels.
        var levels = Math.Max(1, OpsConfigReader.Order(settings.Programs).Levels.Count);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = (settings.LongestStopTimeout * levels) + ShutdownMargin);

        builder.Services.AddSupervision(settings);
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        builder.Services.AddProblemDetails();

        var app = builder.Build();
        app.UseExceptionHandler();
        app.MapHealthEndpoints();
        app.MapProgramEndpoints();
        return app;
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
        to.Programs = from.Programs;
        to.Errors = from.Errors;
        to.ConfigPath = from.ConfigPath;
    }
}
