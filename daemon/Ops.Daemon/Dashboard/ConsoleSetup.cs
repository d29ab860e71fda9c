using Hangfire;
using Hangfire.Dashboard;
using Ops.Daemon.Security;
using Ops.Jobs.Storage;
using Ops.Supervision;

namespace Ops.Daemon.Dashboard;

/// <summary>
/// The Hangfire console at /hangfire with Ops' Programs pages, menu metrics and program commands. It is built once
/// the task storage answers (a PostgreSQL that is down at start must not stop opsd); until then /hangfire says so.
/// Viewers get a read-only console whose commands are refused; the connection string is never shown.
/// </summary>
internal static class ConsoleSetup
{
    private static int Registered;

    public static void MapConsole(this WebApplication app)
    {
        RegisterPages();
        var options = new DashboardOptions
        {
            DashboardTitle = "opsd",
            DisplayStorageConnectionString = false,
            Authorization = [],
            AsyncAuthorization = [new ViewerAuthorization()],
            IsReadOnlyFunc = context => !AccessPolicy.IsAdmin(context.GetHttpContext().User),
            AppPath = null,
        };

        app.Map(AccessPolicy.ConsolePath, branch =>
        {
            RequestDelegate? dashboard = null;
            branch.Run(async context =>
            {
                var storage = context.RequestServices.GetRequiredService<JobStorageHost>();
                if (!storage.WhenAvailable.IsCompletedSuccessfully)
                {
                    context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                    await context.Response.WriteAsync($"The console needs the task storage, which does not answer yet: {storage.Description}. Programs are supervised meanwhile; see GET /api/v1/programs.");
                    return;
                }

                dashboard ??= Build(branch, storage.WhenAvailable.Result, options);
                await dashboard(context);
            });
        });
    }

    private static RequestDelegate Build(IApplicationBuilder branch, JobStorage storage, DashboardOptions options)
    {
        var dashboard = branch.New();
        dashboard.UseMiddleware<AspNetCoreDashboardMiddleware>(storage, options, DashboardRoutes.Routes);
        return dashboard.Build();
    }

    /// <summary>Hangfire keeps routes, menu and metrics in statics: register them once per process.</summary>
    private static void RegisterPages()
    {
        if (Interlocked.Exchange(ref Registered, 1) == 1)
        {
            return;
        }

        DashboardRoutes.Routes.AddRazorPage("/programs", _ => new ProgramsPage());
        DashboardRoutes.Routes.AddRazorPage("/programs/(?<name>[a-z0-9_-]+)", match => new ProgramHistoryPage(match.Groups["name"].Value));
        DashboardRoutes.Routes.AddCommand("/programs/actions/(?<verb>start|stop|restart)/(?<target>[a-z0-9_:-]+)", context =>
        {
            var services = context.GetHttpContext().RequestServices;
            var kind = Enum.Parse<CommandKind>(context.UriMatch.Groups["verb"].Value, ignoreCase: true);
            var target = context.UriMatch.Groups["target"].Value;

            // Another host's instance: the command travels through that host's queue.
            var host = context.GetHttpContext().Request.Query["host"].ToString();
            if (host.Length > 0 && host != services.GetRequiredService<Configuration.OpsSettings>().HostName)
            {
                return services.GetRequiredService<Ops.Jobs.Hosts.ClusterPrograms>().SendToHost(host, kind, target) is not null;
            }

            var result = services.GetRequiredService<ISupervisor>().SendAsync(kind, target, CancellationToken.None).GetAwaiter().GetResult();
            return result.Status == CommandStatus.Accepted;
        });

        DashboardMetrics.AddMetric(ConsoleMetrics.Running);
        DashboardMetrics.AddMetric(ConsoleMetrics.Fatal);
        NavigationMenu.Items.Add(page => new MenuItem("Programs", page.Url.To("/programs"))
        {
            Active = page.RequestPath.StartsWith("/programs", StringComparison.Ordinal),
            Metrics = [ConsoleMetrics.Running, ConsoleMetrics.Fatal],
        });
    }

    /// <summary>Anyone with a Viewer or Admin identity may look; the access policy has already sent others to the login page.</summary>
    private sealed class ViewerAuthorization : IDashboardAsyncAuthorizationFilter
    {
        public Task<bool> AuthorizeAsync(DashboardContext context) =>
            Task.FromResult(AccessPolicy.IsViewer(context.GetHttpContext().User));
    }
}
