using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Ops.Daemon.Configuration;
using Ops.Daemon.Logging;
using Ops.Daemon.Tests.Support;
using Ops.Processes;
using Ops.Processes.Output;

namespace Ops.Daemon.Tests.Configuration;

/// <summary>Reload without a daemon: the new snapshot goes to the supervisor, the one others hold stays as it is.</summary>
public sealed class ConfigReloaderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("opsd-reloader-").FullName;
    private readonly string _config;
    private readonly InstanceOutputStore _output;

    public ConfigReloaderTests()
    {
        _config = Path.Combine(_directory, "opsd.json");
        _output = new InstanceOutputStore(new ProcessOptions { StateDirectory = _directory, LogDirectory = _directory });
    }

    [Fact]
    public async Task ReloadAsync_Applied_SupervisorGetsTheNewProgramsAndTheStartedSnapshotStaysAsItWas()
    {
        var (reloader, supervisor, started) = Start("""{ "Ops": { "Programs": { "web": { "Command": "/bin/sleep", "Instances": 1 } } } }""");
        var heldPrograms = started.Programs;
        var heldEntries = started.ProgramEntries;
        var heldWeb = heldPrograms.Single();
        File.WriteAllText(_config, """{ "Ops": { "Programs": { "web": { "Command": "/bin/sleep", "Instances": 3 }, "api": { "Command": "/bin/sleep" } } } }""");

        var outcome = await reloader.ReloadAsync(dryRun: false, "test", CancellationToken.None);

        Assert.Equal(ReloadStatus.Applied, outcome.Status);
        var handed = Assert.Single(supervisor.Reloads);
        Assert.Equal(["api", "web"], handed.Select(p => p.Name));
        Assert.Equal(3, handed.Single(p => p.Name == "web").Instances);

        // Every holder of the snapshot opsd started with still sees what it started with.
        Assert.Same(heldPrograms, started.Programs);
        Assert.Same(heldEntries, started.ProgramEntries);
        Assert.Same(heldWeb, Assert.Single(started.Programs));
        Assert.Equal(1, started.Programs.Single().Instances);
    }

    [Fact]
    public async Task ReloadAsync_SecondReload_DiffsAgainstWhatTheSupervisorRunsNotTheStartedSnapshot()
    {
        var (reloader, _, _) = Start("""{ "Ops": { "Programs": { "web": { "Command": "/bin/sleep" } } } }""");
        File.WriteAllText(_config, """{ "Ops": { "Programs": { "web": { "Command": "/bin/sleep" }, "api": { "Command": "/bin/sleep" } } } }""");
        await reloader.ReloadAsync(dryRun: false, "test", CancellationToken.None);

        var again = await reloader.ReloadAsync(dryRun: true, "test", CancellationToken.None);

        Assert.Equal(ReloadStatus.Planned, again.Status);
        Assert.Empty(again.Plan!.Added);
        Assert.Equal(["api", "web"], again.Plan.Unchanged.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ReloadAsync_InvalidFile_EveryErrorWithKeyPathAndNothingHandedOn()
    {
        var (reloader, supervisor, _) = Start("""{ "Ops": { "Programs": { "web": { "Command": "/bin/sleep" } } } }""");
        File.WriteAllText(_config, """{ "Ops": { "Programs": { "web": { "Command": "/bin/sleep", "Instances": "many", "Restartt": "Always" } } } }""");

        var outcome = await reloader.ReloadAsync(dryRun: false, "test", CancellationToken.None);

        Assert.Equal(ReloadStatus.Invalid, outcome.Status);
        Assert.Equal(["Ops:Programs:web:Instances", "Ops:Programs:web:Restartt"], outcome.Errors.Select(e => e.Path).Order(StringComparer.Ordinal));
        Assert.Empty(supervisor.Reloads);
    }

    [Fact]
    public async Task ReloadAsync_FileGone_OneErrorNamingTheFile()
    {
        var (reloader, supervisor, _) = Start("""{ "Ops": { "Programs": { "web": { "Command": "/bin/sleep" } } } }""");
        File.Delete(_config);

        var outcome = await reloader.ReloadAsync(dryRun: false, "test", CancellationToken.None);

        Assert.Equal(ReloadStatus.Invalid, outcome.Status);
        Assert.Equal(_config, Assert.Single(outcome.Errors).Path);
        Assert.Empty(supervisor.Reloads);
    }

    [Fact]
    public async Task ReloadAsync_ProgramsNeedLongerToStop_WarnsAgainstTheHostsShutdownTimeout()
    {
        var (reloader, _, _) = Start("""{ "Ops": { "Programs": { "web": { "Command": "/bin/sleep", "StopTimeout": "10s" } } } }""");
        File.WriteAllText(_config, """{ "Ops": { "Programs": { "web": { "Command": "/bin/sleep", "StopTimeout": "60s" } } } }""");

        var outcome = await reloader.ReloadAsync(dryRun: true, "test", CancellationToken.None);

        Assert.Contains(outcome.Warnings, w => w.Contains("need up to 00:01:15 to stop", StringComparison.Ordinal));
    }

    public void Dispose()
    {
        _output.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private (ConfigReloader Reloader, FakeSupervisor Supervisor, OpsSettings Started) Start(string json)
    {
        File.WriteAllText(_config, json);
        var load = ConfigLoad.LoadFile(_config, null);
        Assert.True(load.IsValid);
        var supervisor = new FakeSupervisor(load.Settings.Programs);
        var host = Options.Create(new HostOptions { ShutdownTimeout = ShutdownBudget.Of(load.Settings).HostShutdownTimeout });
        var reloader = new ConfigReloader(
            load.Settings, load.Configuration, supervisor, _output, new SecretMasker(load.Settings.Secrets), host, NullLogger<ConfigReloader>.Instance);
        return (reloader, supervisor, load.Settings);
    }
}
