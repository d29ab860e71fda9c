using Microsoft.Extensions.Configuration;
using Ops.Daemon.Configuration;
using Ops.Daemon.Service;

namespace Ops.Daemon.Tests.Service;

/// <summary>The unit opsd writes, decided from the config: timeouts, identity, directories, quoting.</summary>
public sealed class SystemdUnitTests
{
    [Fact]
    public void Render_ThreeDependencyLevels_StopTimeoutCoversEveryLevelAndTheHostMargin()
    {
        // a <- b <- c: c stops first, then b, then a; each level may take up to the longest StopTimeout.
        var config = """
            { "Ops": { "Programs": {
              "a": { "Command": "/bin/sleep", "StopTimeout": "30s" },
              "b": { "Command": "/bin/sleep", "StopTimeout": "5s", "DependsOn": [ "a" ] },
              "c": { "Command": "/bin/sleep", "StopTimeout": "5s", "DependsOn": [ "b" ] } } } }
            """;

        var (spec, settings) = Plan(config);
        var unit = SystemdUnit.Render(spec);

        Assert.Equal(TimeSpan.FromSeconds((30 * 3) + 15), ShutdownBudget.Of(settings).HostShutdownTimeout);
        Assert.Contains("\nTimeoutStopSec=120\n", unit, StringComparison.Ordinal);
        Assert.True(SystemdUnit.StopTimeoutSeconds(spec) > ShutdownBudget.Of(settings).HostShutdownTimeout.TotalSeconds);
        Assert.Contains("longest program StopTimeout 30s x 3 dependency level(s)", unit, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_TaskWithLongerStopTimeout_UnitWaitsForTheTaskToo()
    {
        var config = """
            { "Ops": {
              "Programs": { "web": { "Command": "/bin/sleep", "StopTimeout": "10s" } },
              "Tasks": { "backup": { "Command": "/bin/true", "StopTimeout": "200s" } } } }
            """;

        var (spec, settings) = Plan(config);

        Assert.Equal(TimeSpan.FromSeconds(200 + 15), ShutdownBudget.Of(settings).HostShutdownTimeout);
        Assert.Equal(230, SystemdUnit.StopTimeoutSeconds(spec));
        Assert.Equal(230, SystemdUnit.StartTimeoutSeconds(spec));
    }

    [Fact]
    public void Render_AsRoot_NotifyMixedKillRestartOnFailureAndNothingThatBlocksSetuid()
    {
        var (spec, _) = Plan(ScratchSystem.TwoLevelConfig);

        var lines = SystemdUnit.Render(spec).Split('\n');

        Assert.Contains("Type=notify", lines);
        Assert.Contains("KillMode=mixed", lines);
        Assert.Contains("Restart=on-failure", lines);
        Assert.Contains("ExecStart=/opt/opsd/opsd --config /etc/opsd/opsd.json", lines);
        Assert.Contains("WantedBy=multi-user.target", lines);
        // 5 s x 2 levels + 15 s host margin + 15 s = 40 s, raised to systemd's default 90 s.
        Assert.Contains("TimeoutStopSec=90", lines);
        Assert.Contains("TimeoutStartSec=90", lines);

        // Starting programs as their User needs root and exec-time setuid: none of these may be set.
        Assert.DoesNotContain(lines, l => l.StartsWith("User=", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith("NoNewPrivileges=", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith("CapabilityBoundingSet=", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith("DynamicUser=", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.StartsWith("MemoryDenyWriteExecute=", StringComparison.Ordinal));
    }

    [Fact]
    public void Render_DefaultDirectories_PinnedForSystemdAndCreatedByIt()
    {
        var (spec, _) = Plan(ScratchSystem.TwoLevelConfig);

        var lines = SystemdUnit.Render(spec).Split('\n');

        Assert.Contains("Environment=OPS__HOST__STATEDIRECTORY=/var/lib/opsd", lines);
        Assert.Contains("Environment=OPS__HOST__LOGDIRECTORY=/var/log/opsd", lines);
        Assert.Contains("StateDirectory=opsd", lines);
        Assert.Contains("LogsDirectory=opsd", lines);
    }

    [Fact]
    public void Render_DirectoriesFromConfig_FollowTheConfigAndAreNotPinned()
    {
        var config = """
            { "Ops": { "Host": { "StateDirectory": "/srv/opsd/state", "LogDirectory": "../../var/log/ops-prod" },
              "Programs": { "web": { "Command": "/bin/sleep" } } } }
            """;

        var (spec, _) = Plan(config);
        var lines = SystemdUnit.Render(spec).Split('\n');

        // The relative log directory is relative to /etc/opsd/opsd.json, as opsd itself resolves it.
        Assert.Equal("/var/log/ops-prod", spec.LogDirectory);
        Assert.Contains("LogsDirectory=ops-prod", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("StateDirectory=", StringComparison.Ordinal));
        Assert.Contains("# State directory /srv/opsd/state is outside /var/lib/: opsd creates it.", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("Environment=", StringComparison.Ordinal));
    }

    [Fact]
    public void Render_WithUser_RunsAsThatUserWithNoNewPrivileges()
    {
        var (spec, _) = Plan(ScratchSystem.TwoLevelConfig, user: "ops");

        var lines = SystemdUnit.Render(spec).Split('\n');

        Assert.Contains("User=ops", lines);
        Assert.Contains("NoNewPrivileges=yes", lines);
    }

    [Fact]
    public void Plan_NonRootUserButProgramsWithUser_RefusedNamingThePrograms()
    {
        var config = """{ "Ops": { "Programs": { "web": { "Command": "/bin/sleep", "User": "www-data" }, "db": { "Command": "/bin/sleep" } } } }""";
        using var system = new ScratchSystem(config);
        var request = ServiceRequest.Create(ScratchSystem.ConfigPath, "ops", system.Root, "/opt/opsd/opsd", out _)!;

        var spec = UnitPlanner.Plan(request, out var errors);

        Assert.Null(spec);
        var error = Assert.Single(errors);
        Assert.Contains("program(s) web set User", error, StringComparison.Ordinal);
        Assert.Contains("install without --user", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_BadConfig_ListsEveryErrorWithItsKeyPath()
    {
        var config = """{ "Ops": { "Programs": { "web": { "Command": "/bin/sleep", "StopTimeout": "0s", "Restartt": "Always" } } } }""";
        using var system = new ScratchSystem(config);
        var request = ServiceRequest.Create(ScratchSystem.ConfigPath, null, system.Root, "/opt/opsd/opsd", out _)!;

        Assert.Null(UnitPlanner.Plan(request, out var errors));
        Assert.Contains(errors, e => e.StartsWith("Ops:Programs:web:StopTimeout:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Ops:Programs:web:Restartt:", StringComparison.Ordinal));
    }

    [Fact]
    public void Render_PostgreSqlStorage_StartsAfterPostgresql()
    {
        var config = """
            { "Ops": { "Storage": { "Provider": "PostgreSql", "ConnectionString": "Host=127.0.0.1;Database=ops;Username=ops;Password=x" },
              "Programs": { "web": { "Command": "/bin/sleep" } } } }
            """;

        var (spec, _) = Plan(config);

        Assert.Contains("After=postgresql.service", SystemdUnit.Render(spec).Split('\n'));
        Assert.DoesNotContain("After=postgresql.service", SystemdUnit.Render(Plan(ScratchSystem.TwoLevelConfig).Spec), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/opt/opsd/opsd", "/opt/opsd/opsd")]
    [InlineData("/opt/my ops/opsd", "\"/opt/my ops/opsd\"")]
    [InlineData("/etc/opsd/100%.json", "/etc/opsd/100%%.json")]
    [InlineData("/etc/$HOME/a.json", "/etc/$$HOME/a.json")]
    [InlineData("say \"hi\"\\", "\"say \\\"hi\\\"\\\\\"")]
    [InlineData("", "\"\"")]
    public void QuoteExecArgument_SystemdSyntax_ReadsBackAsTheSameWord(string word, string expected) =>
        Assert.Equal(expected, SystemdUnit.QuoteExecArgument(word));

    private static (UnitSpec Spec, OpsSettings Settings) Plan(string config, string? user = null)
    {
        using var system = new ScratchSystem(config);
        var request = ServiceRequest.Create(ScratchSystem.ConfigPath, user, system.Root, "/opt/opsd/opsd", out var error);
        Assert.True(request is not null, error);
        var spec = UnitPlanner.Plan(request, out var errors);
        Assert.True(spec is not null, string.Join("\n", errors));
        var configuration = new ConfigurationBuilder().AddJsonFile(system.At(ScratchSystem.ConfigPath)).Build();
        return (spec, OpsConfigReader.Read(configuration, ScratchSystem.ConfigPath));
    }
}
