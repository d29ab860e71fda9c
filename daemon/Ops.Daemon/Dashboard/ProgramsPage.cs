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
            var exit = i.LastExitCode is { } code ? $"exit {code}" : i.LastSignal is { } signal ? $"signal {signal}" : "-";
            WriteRow(i.Id.ToString(), i.Program, i.Id.ToString(), host, i.State.ToString(), i.Pid, i.State == InstanceState.Running ? Uptime(DateTimeOffset.UtcNow - i.Since) : "-", i.Restarts, exit, i.Reason, local: true);
        }

        foreach (var r in services.GetRequiredService<Ops.Jobs.Hosts.ClusterPrograms>().Remote())
        {
            var exit = r.LastExitCode is { } code ? $"exit {code}" : r.LastSignal is { } signal ? $"signal {signal}" : "-";
            var uptime = r.State == nameof(InstanceState.Running) ? Uptime(DateTimeOffset.UtcNow - r.Since) : r.LastHeartbeat is { } beat ? $"last seen {beat:u}" : "-";
            WriteRow($"{r.Host}/{r.Program}:{r.Instance}", r.Program, $"{r.Program}:{r.Instance}", r.Host, r.State, r.Pid, uptime, r.Restarts, exit, r.Reason, local: false);
        }

        WriteLiteral("</tbody></table></div></div></div>");
    }

    /// <summary>One instance row; actions only for this host's instances (others are commanded through their host).</summary>
    private void WriteRow(string key, string program, string name, string host, string state, int? pid, string uptime, int restarts, string exit, string? reason, bool local)
    {
        WriteLiteral($"<tr data-instance=\"{Html.HtmlEncode(key)}\"><td>");
        if (local)
        {
            WriteLiteral($"<a href=\"{Url.To("/programs/" + program)}\">");
            Write(name);
            WriteLiteral("</a>");
        }
        else
        {
            Write(name);
        }

        WriteLiteral("</td><td>");
        Write(host);
        WriteLiteral($"</td><td><span class=\"label {(Enum.TryParse<InstanceState>(state, out var known) ? StateLabel(known) : "label-default")} ops-state\">");
        Write(state);
        WriteLiteral("</span></td><td class=\"ops-pid\">");
        Write(pid?.ToString(CultureInfo.InvariantCulture) ?? "-");
        WriteLiteral("</td><td>");
        Write(uptime);
        WriteLiteral("</td><td class=\"ops-restarts\">");
        Write(restarts.ToString(CultureInfo.InvariantCulture));
        WriteLiteral("</td><td>");
        Write(exit);
        WriteLiteral("</td><td>");
        Write(reason ?? string.Empty);
        WriteLiteral("</td><td class=\"text-right\">");
        if (!IsReadOnly)
        {
            // Another host's instance: the same buttons, sent through that host's queue.
            var query = local ? string.Empty : "?host=" + Uri.EscapeDataString(host);
            foreach (var verb in new[] { "start", "stop", "restart" })
            {
                WriteLiteral($"<button class=\"btn btn-xs btn-default ops-{verb}\" data-ajax=\"{Url.To($"/programs/actions/{verb}/{name}")}{query}\" data-loading-text=\"...\">{char.ToUpperInvariant(verb[0])}{verb[1..]}</button> ");
            }
        }

        WriteLiteral("</td></tr>");
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
