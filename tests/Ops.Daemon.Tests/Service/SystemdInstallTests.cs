using Ops.Daemon.Tests.Support;

namespace Ops.Daemon.Tests.Service;

/// <summary>
/// `opsd service print|install|uninstall` through the real binary, into a scratch root (--root) so the machine's
/// own /etc/systemd is never touched, and the printed unit checked by systemd's own verifier.
/// </summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
public sealed class SystemdInstallTests
{
    [Fact]
    public async Task Print_UnitForARealConfig_PassesSystemdAnalyzeVerify()
    {
        var analyze = ScratchSystem.Which("systemd-analyze");
        Assert.True(analyze is not null, "systemd-analyze is missing: install the systemd package (apt-get install systemd); .ci/run does");
        using var system = new ScratchSystem(ScratchSystem.TwoLevelConfig);

        // Without --root the unit names this test run's dotnet and opsd.dll, which exist, as verify requires.
        var (code, unit, stderr) = await ScratchSystem.OpsdAsync("service", "print", "--config", system.At(ScratchSystem.ConfigPath));
        Assert.True(code == 0, stderr);
        var unitFile = system.At("/opsd.service");
        await File.WriteAllTextAsync(unitFile, unit);

        var (verifyCode, verifyOut, verifyErr) = await ScratchSystem.RunAsync(analyze, ["verify", unitFile]);

        // verify exits 0 on warnings such as an unknown key, so any line about our unit counts as a failure too.
        var complaints = (verifyOut + verifyErr).Split('\n').Where(l => l.Contains("opsd.service", StringComparison.Ordinal)).ToList();
        Assert.True(verifyCode == 0 && complaints.Count == 0, $"systemd-analyze verify (exit {verifyCode}):\n{verifyOut}{verifyErr}\n--- unit ---\n{unit}");
    }

    [Fact]
    public async Task Print_WithUser_PassesSystemdAnalyzeVerify()
    {
        var analyze = ScratchSystem.Which("systemd-analyze");
        Assert.True(analyze is not null, "systemd-analyze is missing: install the systemd package (apt-get install systemd); .ci/run does");
        using var system = new ScratchSystem(ScratchSystem.TwoLevelConfig);
        var (code, unit, stderr) = await ScratchSystem.OpsdAsync("service", "print", "--config", system.At(ScratchSystem.ConfigPath), "--user", "ops");
        Assert.True(code == 0, stderr);
        var unitFile = system.At("/opsd.service");
        await File.WriteAllTextAsync(unitFile, unit);

        var (verifyCode, verifyOut, verifyErr) = await ScratchSystem.RunAsync(analyze, ["verify", unitFile]);

        Assert.Contains("\nUser=ops\n", unit, StringComparison.Ordinal);
        var complaints = (verifyOut + verifyErr).Split('\n').Where(l => l.Contains("opsd.service", StringComparison.Ordinal)).ToList();
        Assert.True(verifyCode == 0 && complaints.Count == 0, $"systemd-analyze verify (exit {verifyCode}):\n{verifyOut}{verifyErr}");
    }

    [Fact]
    public async Task Install_ScratchRoot_WritesTheUnitAndEnablesItForMultiUser()
    {
        using var system = new ScratchSystem(ScratchSystem.TwoLevelConfig);

        var (code, stdout, stderr) = await ScratchSystem.OpsdAsync("service", "install", "--root", system.Root, "--exec", "/opt/opsd/opsd");

        Assert.True(code == 0, stderr);
        var unit = await File.ReadAllTextAsync(system.At(ScratchSystem.UnitPath));
        Assert.Contains("\nExecStart=/opt/opsd/opsd --config /etc/opsd/opsd.json\n", unit, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(system.At(ScratchSystem.UnitPath)));
        Assert.Equal(ScratchSystem.UnitPath, new FileInfo(system.At(ScratchSystem.WantsLink)).LinkTarget);
        Assert.Contains("wrote ", stdout, StringComparison.Ordinal);
        Assert.Contains("enabled opsd.service for multi-user.target", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Install_Twice_SameFilesAndSaysUpToDate()
    {
        using var system = new ScratchSystem(ScratchSystem.TwoLevelConfig);
        Assert.Equal(0, (await ScratchSystem.OpsdAsync("service", "install", "--root", system.Root, "--exec", "/opt/opsd/opsd")).Code);
        var first = Snapshot(system);

        var (code, stdout, _) = await ScratchSystem.OpsdAsync("service", "install", "--root", system.Root, "--exec", "/opt/opsd/opsd");

        Assert.Equal(0, code);
        Assert.Contains("is up to date", stdout, StringComparison.Ordinal);
        Assert.Equal(first, Snapshot(system));
    }

    [Fact]
    public async Task Install_ScratchRoot_SystemctlAgreesTheUnitIsEnabled()
    {
        var systemctl = ScratchSystem.Which("systemctl");
        Assert.True(systemctl is not null, "systemctl is missing: install the systemd package (apt-get install systemd); .ci/run does");
        using var system = new ScratchSystem(ScratchSystem.TwoLevelConfig);
        Assert.Equal(0, (await ScratchSystem.OpsdAsync("service", "install", "--root", system.Root, "--exec", "/opt/opsd/opsd")).Code);

        var (enabled, said, _) = await ScratchSystem.RunAsync(systemctl, [$"--root={system.Root}", "is-enabled", "opsd.service"]);
        Assert.Equal(0, enabled);
        Assert.Equal("enabled", said.Trim());

        Assert.Equal(0, (await ScratchSystem.OpsdAsync("service", "uninstall", "--root", system.Root)).Code);
        var (after, _, _) = await ScratchSystem.RunAsync(systemctl, [$"--root={system.Root}", "is-enabled", "opsd.service"]);
        Assert.NotEqual(0, after);
    }

    [Fact]
    public async Task Uninstall_RemovesUnitAndLink_AndAgainIsANoOp()
    {
        using var system = new ScratchSystem(ScratchSystem.TwoLevelConfig);
        Assert.Equal(0, (await ScratchSystem.OpsdAsync("service", "install", "--root", system.Root, "--exec", "/opt/opsd/opsd")).Code);

        var (code, stdout, stderr) = await ScratchSystem.OpsdAsync("service", "uninstall", "--root", system.Root);

        Assert.True(code == 0, stderr);
        Assert.Contains("removed ", stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(system.At(ScratchSystem.UnitPath)));
        Assert.Null(new FileInfo(system.At(ScratchSystem.WantsLink)).LinkTarget);
        Assert.True(File.Exists(system.At(ScratchSystem.ConfigPath)), "uninstall must leave the config alone");

        var again = await ScratchSystem.OpsdAsync("service", "uninstall", "--root", system.Root);
        Assert.Equal(0, again.Code);
        Assert.Contains("is not installed", again.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Install_BadConfig_Exits1WritesNothingAndNamesTheKey()
    {
        using var system = new ScratchSystem("""{ "Ops": { "Programs": { "web": { "Command": "/bin/sleep", "MaxRestarts": -1 } } } }""");

        var (code, _, stderr) = await ScratchSystem.OpsdAsync("service", "install", "--root", system.Root, "--exec", "/opt/opsd/opsd");

        Assert.Equal(1, code);
        Assert.Contains("Ops:Programs:web:MaxRestarts", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(system.At(ScratchSystem.UnitPath)));
    }

    [Fact]
    public async Task Install_RelativeConfigWithRoot_UsageErrorExit2()
    {
        using var system = new ScratchSystem(ScratchSystem.TwoLevelConfig);

        var (code, _, stderr) = await ScratchSystem.OpsdAsync("service", "install", "--root", system.Root, "--config", "opsd.json");

        Assert.Equal(2, code);
        Assert.Contains("absolute path on the target system", stderr, StringComparison.Ordinal);
    }

    private static Dictionary<string, string> Snapshot(ScratchSystem system) =>
        Directory.EnumerateFileSystemEntries(system.Root, "*", SearchOption.AllDirectories)
            .ToDictionary(p => p, p => new FileInfo(p) is { LinkTarget: { } target } ? "-> " + target : File.Exists(p) ? File.ReadAllText(p) : "<dir>");
}
