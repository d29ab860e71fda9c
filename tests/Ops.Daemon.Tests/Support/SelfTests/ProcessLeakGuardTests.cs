using System.Diagnostics;

namespace Ops.Daemon.Tests.Support.SelfTests;

/// <summary>
/// The per-test leak guard fails a test that leaves a process, wherever the process went. These tests drive the
/// guard's scope by hand, so they are not guarded themselves.
/// </summary>
[Collection(DaemonCollection.Name)]
public sealed class ProcessLeakGuardTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task End_SetsidSleeperStartedDuringTheTest_FailsNamingItAndKillsIt()
    {
        var pidFile = Path.Combine(Path.GetTempPath(), $"ops-guard-{Guid.NewGuid():N}");
        var scope = ProcessLeakScope.Begin(nameof(End_SetsidSleeperStartedDuringTheTest_FailsNamingItAndKillsIt));
        int sleeper;
        try
        {
            // Nothing but the inherited environment marks it: no marker is set here.
            var info = new ProcessStartInfo("setsid") { UseShellExecute = false, ArgumentList = { "-f", "sh", "-c", $"echo $$ > {pidFile}; exec sleep 300" } };
            using (var setsid = Process.Start(info)!)
            {
                await setsid.WaitForExitAsync();
            }

            await Observe.UntilAsync(() => Worker.ReadPids(pidFile).Count == 1 && ProcessTable.Describe(Worker.ReadPids(pidFile)[0]).EndsWith(": sleep 300", StringComparison.Ordinal), Wait, "the setsid'd sleeper");
            sleeper = Worker.ReadPids(pidFile)[0];
        }
        catch
        {
            scope.End();
            throw;
        }

        var failure = Assert.Throws<InvalidOperationException>(scope.End);

        Assert.Contains(nameof(End_SetsidSleeperStartedDuringTheTest_FailsNamingItAndKillsIt), failure.Message, StringComparison.Ordinal);
        Assert.Contains($"pid {sleeper} (parent ", failure.Message, StringComparison.Ordinal);
        Assert.Contains("sleep 300", failure.Message, StringComparison.Ordinal);
        await Observe.UntilAsync(() => !ProcessTable.IsAlive(sleeper), Wait, $"the leftover {sleeper} to be killed");
        Assert.Null(Environment.GetEnvironmentVariable(ProcessLeakScope.Variable));
        File.Delete(pidFile);
    }

    [Fact]
    public void End_LeakReportedByAnOpsd_FailsWithIt()
    {
        var scope = ProcessLeakScope.Begin(nameof(End_LeakReportedByAnOpsd_FailsWithIt));
        ProcessLeakScope.Report("opsd at http://127.0.0.1:1: 1 process(es) started by opsd outlived it");

        var failure = Assert.Throws<InvalidOperationException>(scope.End);

        Assert.Contains("outlived it", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task End_ProcessesEndedWithTheTest_Passes()
    {
        var scope = ProcessLeakScope.Begin(nameof(End_ProcessesEndedWithTheTest_Passes));
        using (var shell = Process.Start(new ProcessStartInfo("/bin/sh") { UseShellExecute = false, ArgumentList = { "-c", "exit 0" } })!)
        {
            await shell.WaitForExitAsync();
        }

        scope.End();
    }

    [Fact]
    public void Begin_WhileAnotherGuardedTestRuns_Throws()
    {
        var first = ProcessLeakScope.Begin("first");
        try
        {
            var overlap = Assert.Throws<InvalidOperationException>(() => ProcessLeakScope.Begin("second"));
            Assert.Contains("first", overlap.Message, StringComparison.Ordinal);
        }
        finally
        {
            first.End();
        }
    }
}
