using Hangfire.Dashboard;
using Ops.Supervision;

namespace Ops.Daemon.Dashboard;

/// <summary>The menu counters of the Programs page: instances Running, and Fatal (highlighted when any).</summary>
internal static class ConsoleMetrics
{
    public static readonly DashboardMetric Running = new("ops:programs:running", "Programs running", page =>
        new Metric(Count(page, InstanceState.Running)) { Style = MetricStyle.Success });

    public static readonly DashboardMetric Fatal = new("ops:programs:fatal", "Programs fatal", page =>
    {
        var fatal = Count(page, InstanceState.Fatal);
        return new Metric(fatal) { Style = fatal > 0 ? MetricStyle.Danger : MetricStyle.Default, Highlighted = fatal > 0 };
    });

    private static long Count(RazorPage page, InstanceState state) =>
        page.Context.GetHttpContext().RequestServices.GetRequiredService<ISupervisor>().Snapshot().Count(i => i.State == state);
}
