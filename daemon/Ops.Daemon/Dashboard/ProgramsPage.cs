using System.Globalization;
using Hangfire.Dashboard;
using Hangfire.Dashboard.Pages;
using Ops.Daemon.Configuration;
using Ops.Supervision;

namespace Ops.Daemon.Dashboard;

/// <summary>/hangfire/programs: every instance with state, pid, uptime, restarts, last exit and reason, and actions.</summary>
internal sealed class ProgramsPage : RazorPage
{
    public override void Execute()
    {
        Layout = new LayoutPage("Programs");
        var services = Context.GetHttpContext().RequestServices;
        var instances = services.GetRequiredService<ISupervisor>().Snapshot();
        var host = services.GetRequiredService<OpsSettings>().HostName;

        WriteLiteral("<div class=\"row\"><div class=\"col-md-12\"><h1 class=\"page-header\">Programs</h1>");
        if (instances.Count == 0)
        {
            WriteLiteral("<div class=\"alert alert-info\">No programs are configured (Ops:Programs).</div></div></div>");
            return;
        }

        WriteLiteral("<div class=\"table-responsive\"><table class=\"table table-striped\" id=\"programs\"><thead><tr>");
        foreach (var heading in new[] { "Instance", "Host", "State", "Pid", "Uptime", "Restarts", "Last exit", "Reason", string.Empty })
        {
            WriteLiteral("<th>");
            Write(heading);
            WriteLiteral("</th>");
        }

        WriteLiteral("</tr></thead><tbody>");
        foreach (var i in instances)
        {
            WriteLiteral($"<tr data-instance=\"{Html.HtmlEncode(i.Name)}\"><td><a href=\"{Url.To("/programs/" + i.Program)}\">");
            Write(i.Name);
            WriteLiteral("</a></td><td>");
            Write(host);
            WriteLiteral($"</td><td><span class=\"label {StateLabel(i.State)} ops-state\">");
            Write(i.State.ToString());
            WriteLiteral("</span></td><td class=\"ops-pid\">");
            Write(i.Pid?.ToString(CultureInfo.InvariantCulture) ?? "-");
            WriteLiteral("</td><td>");
            Write(i.State == InstanceState.Running ? Uptime(DateTimeOffset.UtcNow - i.Since) : "-");
            WriteLiteral("</td><td class=\"ops-restarts\">");
            Write(i.Restarts.ToString(CultureInfo.InvariantCulture));
            WriteLiteral("</td><td>");
            Write(i.LastExitCode is { } code ? $"exit {code}" : i.LastSignal is { } signal ? $"signal {signal}" : "-");
            WriteLiteral("</td><td>");
            Write(i.Reason ?? string.Empty);
            WriteLiteral("</td><td class=\"text-right\">");
            if (!IsReadOnly)
            {
                foreach (var verb in new[] { "start", "stop", "restart" })
                {
                    WriteLiteral($"<button class=\"btn btn-xs btn-default ops-{verb}\" data-ajax=\"{Url.To($"/programs/actions/{verb}/{i.Name}")}\" data-loading-text=\"...\">{char.ToUpperInvariant(verb[0])}{verb[1..]}</button> ");
                }
            }

            WriteLiteral("</td></tr>");
        }

        foreach (var r in services.GetRequiredService<Ops.Jobs.Hosts.ClusterPrograms>().Remote())
        {
            WriteLiteral($"<tr data-instance=\"{Html.HtmlEncode($"{r.Host}/{r.Program}:{r.Instance}")}\"><td>");
            Write($"{r.Program}:{r.Instance}");
            WriteLiteral("</td><td>");
            Write(r.Host);
            WriteLiteral($"</td><td><span class=\"label {(Enum.TryParse<InstanceState>(r.State, out var state) ? StateLabel(state) : "label-default")} ops-state\">");
            Write(r.State);
            WriteLiteral("</span></td><td class=\"ops-pid\">");
            Write(r.Pid?.ToString(CultureInfo.InvariantCulture) ?? "-");
            WriteLiteral("</td><td>");
            Write(r.State == nameof(InstanceState.Running) ? Uptime(DateTimeOffset.UtcNow - r.Since) : r.LastHeartbeat is { } beat ? $"last seen {beat:u}" : "-");
            WriteLiteral("</td><td>");
            Write(r.Restarts.ToString(CultureInfo.InvariantCulture));
            WriteLiteral("</td><td>");
            Write(r.LastExitCode is { } code ? $"exit {code}" : r.LastSignal is { } signal ? $"signal {signal}" : "-");
            WriteLiteral("</td><td>");
            Write(r.Reason ?? string.Empty);
            WriteLiteral("</td><td class=\"text-right text-muted\">other host</td></tr>");
        }

        WriteLiteral("</tbody></table></div></div></div>");
    }

    internal static string StateLabel(InstanceState state) => state switch
    {
        InstanceState.Running => "label-success",
        InstanceState.Starting or InstanceState.Stopping => "label-info",
        InstanceState.Backoff => "label-warning",
        InstanceState.Fatal => "label-danger",
        _ => "label-default",
    };

    private static string Uptime(TimeSpan span) =>
        span.TotalDays >= 1 ? $"{(int)span.TotalDays}d {span.Hours}h" : span.TotalHours >= 1 ? $"{(int)span.TotalHours}h {span.Minutes}m" : $"{(int)span.TotalMinutes}m {span.Seconds}s";
}
