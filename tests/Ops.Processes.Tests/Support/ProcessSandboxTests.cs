using Ops.Supervision.Os;

namespace Ops.Processes.Tests.Support;

/// <summary>The sandbox is every test's leak guard here: it must fail a test that leaves a process, not only kill it.</summary>
public sealed class ProcessSandboxTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Dispose_SetsidSleeperLeftBehind_FailsNamingItAndKillsIt()
    {
        var sandbox = new ProcessSandbox();
        string pidFile = sandbox.PathFor("escaped");
        IRunningProcess leader = sandbox.Start(Worker.Command(
            "leaky", "/bin/sh", "-c", $"setsid -f sh -c 'echo $$ >> {pidFile}; exec sleep 300'"));
        int escaped = (await Eventually.PidsAsync(pidFile, 1, Wait)).Single();
        await leader.Exited.WaitAsync(Wait);

        var failure = Assert.Throws<InvalidOperationException>(sandbox.Dispose);

        Assert.Contains($"marked pid {escaped} (sleep 300)", failure.Message, StringComparison.Ordinal);
        Assert.True(await Eventually.TrueAsync(() => !File.Exists($"/proc/{escaped}/cmdline") || IsZombie(escaped), Wait), $"pid {escaped} outlived the sandbox");
    }

    [Fact]
    public async Task Dispose_EverythingEnded_Passes()
    {
        var sandbox = new ProcessSandbox();
        IRunningProcess child = sandbox.Start(Worker.Command("quick", "/bin/sh", "-c", "exit 0"));
        await child.Exited.WaitAsync(Wait);

        sandbox.Dispose();
    }

    private static bool IsZombie(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return true;
        }
    }
}
