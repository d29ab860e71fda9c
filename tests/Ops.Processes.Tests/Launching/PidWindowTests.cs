using System.Diagnostics;
using Ops.Processes.Launching;
using Ops.Processes.Tests.Support;

namespace Ops.Processes.Tests.Launching;

/// <summary>
/// The pid window of a launch: a sweep for its token reads only the processes forked after its leader. The kernel's
/// pid counter may wrap while the suite runs (pid_max is 32768 on some hosts), so each test reads the counter and
/// asserts what the window must say either way.
/// </summary>
public sealed class PidWindowTests : IDisposable
{
    private readonly ProcessSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    public void Begin_LaunchJustStarted_CoversLaterPidsAndNotOlderOnesUnlessTheCounterWrapped()
    {
        using var leader = Sleep(null);
        var filter = PidWindow.After(leader.Id).Begin();

        Assert.NotNull(filter);
        Assert.True(filter(leader.Id + 1));
        bool wrapped = LastPid() < leader.Id;
        Assert.Equal(wrapped, filter(2));
        Kill(leader);
    }

    [Fact]
    public void Find_WithTheLeadersWindow_FindsCarriersForkedAfterItAndSkipsOlderOnes()
    {
        string token = Guid.NewGuid().ToString("N");
        using var older = Sleep(token);
        using var leader = Sleep(null);
        using var carrier = Sleep(token);
        try
        {
            var found = TokenSweep.Find(token, window: PidWindow.After(leader.Id));
            var everywhere = TokenSweep.Find(token);

            Assert.Contains(carrier.Id, found);
            Assert.Equal([older.Id, carrier.Id], everywhere.Order());
            if (older.Id < leader.Id && LastPid() >= leader.Id)
            {
                // No wrap between them: the older process is outside the window, though it carries the token.
                Assert.DoesNotContain(older.Id, found);
            }
        }
        finally
        {
            Kill(older);
            Kill(leader);
            Kill(carrier);
        }
    }

    private Process Sleep(string? token)
    {
        var info = new ProcessStartInfo("sleep", "30") { UseShellExecute = false };
        if (token is not null)
        {
            info.Environment["OPS_LAUNCH_TOKEN"] = token;
        }

        var process = Process.Start(info)!;
        _sandbox.TrackPids([process.Id]);
        return process;
    }

    private static void Kill(Process process)
    {
        process.Kill();
        process.WaitForExit();
    }

    private static int LastPid() => int.Parse(File.ReadAllText("/proc/sys/kernel/ns_last_pid").Trim(), System.Globalization.CultureInfo.InvariantCulture);
}
