using System.Globalization;
using Hangfire.Dashboard;
using Hangfire.Dashboard.Pages;
using Ops.Supervision;

namespace Ops.Daemon.Dashboard;

/// <summary>/hangfire/programs/{name}: the "why is it not running" view: transitions with reasons, exits, delays, stderr.</summary>
internal sealed class ProgramHistoryPage(string program) : RazorPage
{
    public override void Execute()
    {
        Layout = new LayoutPage($"Program {program}");
        var history = Context.GetHttpContext().RequestServices.GetRequiredService<ISupervisor>().History(program);
        WriteLiteral("<div class=\"row\"><div class=\"col-md-12\"><h1 class=\"page-header\">");
        Write(program);
        WriteLiteral("</h1>");
        if (history is null)
        {
            WriteLiteral("<div class=\"alert alert-warning\">No such program is configured on this host.</div></div></div>");
            return;
        }

        WriteLiteral($"<p><a href=\"{Url.To("/programs")}\">All programs</a></p>");
        WriteLiteral("<table class=\"table table-condensed\" id=\"history\"><thead><tr><th>At</th><th>Instance</th><th>From</th><th>To</th><th>Reason</th><th>Pid</th><th>Exit</th><th>Backoff</th></tr></thead><tbody>");
        foreach (var t in history)
        {
            WriteLiteral("<tr><td>");
            Write(t.At.ToString("u", CultureInfo.InvariantCulture));
            WriteLiteral("</td><td>");
            Write(t.Instance.ToString(CultureInfo.InvariantCulture));
            WriteLiteral("</td><td>");
            Write(t.From.ToString());
            WriteLiteral($"</td><td><span class=\"label {ProgramsPage.StateLabel(t.To)}\">");
            Write(t.To.ToString());
            WriteLiteral("</span></td><td>");
            Write(t.Reason);
            WriteLiteral("</td><td>");
            Write(t.Pid?.ToString(CultureInfo.InvariantCulture) ?? string.Empty);
            WriteLiteral("</td><td>");
            Write(t.ExitCode is { } code ? $"exit {code}" : t.Signal is { } signal ? $"signal {signal}" : string.Empty);
            WriteLiteral("</td><td>");
            Write(t.Delay is { } delay ? $"{delay.TotalMilliseconds:0} ms" : string.Empty);
            WriteLiteral("</td></tr>");
            if (t.StderrTail.Count > 0)
            {
                WriteLiteral("<tr><td></td><td colspan=\"7\"><pre class=\"ops-stderr\">");
                Write(string.Join('\n', t.StderrTail));
                WriteLiteral("</pre></td></tr>");
            }
        }

        WriteLiteral("</tbody></table></div></div>");
    }
}
