using System.Text.Json.Nodes;
using Ops.Daemon.Tests.Support;

namespace Ops.Daemon.Tests.Configuration;

/// <summary>Where the config comes from: environment overrides as the README writes them, and the demo file.</summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
public sealed class ConfigSourcesTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("opsd-sources-").FullName;

    [Fact]
    public async Task Run_UpperCaseEnvironmentOverride_ReachesTheLowerCaseProgramAndAddsNewOnesLowerCased()
    {
        await using var opsd = new Opsd(new JsonObject
        {
            ["web"] = new JsonObject { ["Command"] = "/bin/sleep", ["Args"] = new JsonArray("60"), ["StopTimeout"] = "2s" },
        });
        opsd.ExtraEnvironment["OPS__PROGRAMS__WEB__INSTANCES"] = "2";
        opsd.ExtraEnvironment["OPS__PROGRAMS__EXTRA__COMMAND"] = "/bin/sleep";
        opsd.ExtraEnvironment["OPS__PROGRAMS__EXTRA__ARGS__0"] = "60";
        await opsd.StartAsync();

        var web = await opsd.WaitForStateAsync("web", "Running", TimeSpan.FromSeconds(15));
        await opsd.WaitForStateAsync("extra", "Running", TimeSpan.FromSeconds(15));

        Assert.Equal([0, 1], web.Select(i => i.Instance).Order());
        Assert.Equal(0, await opsd.StopAsync(TimeSpan.FromSeconds(20)));
        Assert.Empty(opsd.LiveChildren());
    }

    [Fact]
    public async Task Validate_TheReadmesEnvironmentExample_Accepted()
    {
        var path = Path.Combine(_directory, "opsd.json");
        File.WriteAllText(path, """{ "Ops": { "Programs": { "web": { "Command": "/bin/sleep", "Args": [ "60" ] } } } }""");

        var (code, output) = await OpsdCommand.RunAsync(
            new Dictionary<string, string> { ["OPS__PROGRAMS__WEB__INSTANCES"] = "4" }, Tools.Opsd, "validate", "--config", path);

        Assert.Equal(0, code);
        Assert.Contains("valid (1 program(s), 4 instance(s))", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_RunFromTheProjectsBuildOutput_ReadsTheProjectsOwnOpsdJson()
    {
        // dotnet run --project daemon/Ops.Daemon runs opsd from daemon/Ops.Daemon/bin/CONFIGURATION/TFM, where the
        // build leaves a copy of opsd.json; the README has operators edit the project's file.
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var (framework, configuration) = (testOutput.Name, testOutput.Parent!.Name);
        var repository = testOutput;
        while (!File.Exists(Path.Combine(repository.FullName, "Ops.sln")))
        {
            repository = repository.Parent ?? throw new InvalidOperationException("Ops.sln not found above the test output");
        }

        var project = Path.Combine(repository.FullName, "daemon", "Ops.Daemon");
        var opsd = Path.Combine(project, "bin", configuration, framework, "opsd.dll");
        Assert.True(File.Exists(opsd), $"build the solution first: {opsd}");

        var (code, output) = await OpsdCommand.RunAsync(
            new Dictionary<string, string> { ["OPS_CONFIG"] = string.Empty }, opsd, "validate");

        Assert.Equal(0, code);
        Assert.Contains($"{Path.Combine(project, "opsd.json")}: valid", output, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
