using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Ops.Daemon.Tests.Support.SelfTests;

/// <summary>
/// The <see cref="Opsd"/> helper's promise that disposal proves no process is left. Not leak-guarded on purpose:
/// outside a guarded test the failure must come out of DisposeAsync itself.
/// </summary>
[Collection(DaemonCollection.Name)]
public sealed class OpsdTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task DisposeAsync_SetsidSleeperLeftBehind_FailsNamingItAndKillsIt()
    {
        var opsd = await new Opsd(new JsonObject { ["svc"] = Worker.Program(["--forever"]) }).StartAsync();
        await opsd.WaitForStateAsync("svc", "Running", Wait);

        // Stands for an escape opsd's stop missed: its marker, a session of its own, no launch token opsd knows.
        var info = new ProcessStartInfo("setsid") { UseShellExecute = false, ArgumentList = { "-f", "sleep", "300" } };
        info.Environment[ProcessTable.MarkerVariable] = opsd.Marker;
        using (var setsid = Process.Start(info)!)
        {
            await setsid.WaitForExitAsync();
        }

        var sleeper = 0;
        await Observe.UntilAsync(
            () => (sleeper = ProcessTable.WithMarker(opsd.Marker).FirstOrDefault(p => ProcessTable.Describe(p).EndsWith(": sleep 300", StringComparison.Ordinal))) != 0,
            Wait,
            "the setsid'd sleeper");

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(async () => await opsd.DisposeAsync());

        Assert.Contains($"pid {sleeper} (parent ", failure.Message, StringComparison.Ordinal);
        Assert.Contains("sleep 300", failure.Message, StringComparison.Ordinal);
        await Observe.UntilAsync(() => !ProcessTable.IsAlive(sleeper), Wait, $"the leftover {sleeper} to be killed");
    }

    [Fact]
    public async Task DisposeAsync_EverythingStoppedWithOpsd_Passes()
    {
        var opsd = await new Opsd(new JsonObject { ["svc"] = Worker.Program(["--forever", "--grandchildren", "1"]) }).StartAsync();
        await opsd.WaitForStateAsync("svc", "Running", Wait);
        Assert.NotEmpty(opsd.LiveChildren());

        await opsd.DisposeAsync();
    }
}
