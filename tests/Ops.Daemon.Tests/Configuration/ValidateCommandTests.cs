using Ops.Daemon.Tests.Support;

namespace Ops.Daemon.Tests.Configuration;

/// <summary>`opsd validate` and start-up refusal on a bad config, through the real binary.</summary>
public sealed class ValidateCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("opsd-validate-").FullName;

    [Fact]
    public async Task Validate_BadConfig_ListsEveryErrorWithKeyPathAndExits1()
    {
        var path = Write("""
            {
              "Ops": {
                "Programs": {
                  "web": { "Command": "/bin/true", "StopTimeout": "0s", "Restartt": "Always", "Instances": "many" },
                  "Bad_Name": { "Command": "/bin/true" },
                  "a": { "Command": "/bin/true", "DependsOn": [ "b" ] },
                  "b": { "Command": "/bin/true", "DependsOn": [ "a" ] },
                  "c": { "Args": [ "x" ], "Restart": "Sometimes", "DependsOn": [ "ghost" ] }
                }
              }
            }
            """);

        var (code, output) = await OpsdCommand.RunAsync("validate", "--config", path);

        Assert.Equal(1, code);
        Assert.Contains("Ops:Programs:web:StopTimeout: must be positive", output, StringComparison.Ordinal);
        Assert.Contains("Ops:Programs:web:Restartt: unknown key 'Restartt'; did you mean 'Restart'?", output, StringComparison.Ordinal);
        Assert.Contains("Ops:Programs:web:Instances: 'many' is not a whole number", output, StringComparison.Ordinal);
        Assert.Contains("Ops:Programs:Bad_Name: program names must match", output, StringComparison.Ordinal);
        Assert.Contains("DependsOn has a cycle: a -> b -> a", output, StringComparison.Ordinal);
        Assert.Contains("Ops:Programs:c:Command: is required", output, StringComparison.Ordinal);
        Assert.Contains("Ops:Programs:c:Restart: 'Sometimes' is not one of OnFailure, Always, Never", output, StringComparison.Ordinal);
        Assert.Contains("Ops:Programs:c:DependsOn: 'ghost' is not a configured program", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_GoodConfig_Exits0()
    {
        var path = Write("""{ "Ops": { "Programs": { "web": { "Command": "/bin/sleep", "Args": [ "60" ], "Instances": 2 } } } }""");

        var (code, output) = await OpsdCommand.RunAsync("validate", "--config", path);

        Assert.Equal(0, code);
        Assert.Contains("valid (1 program(s), 2 instance(s))", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_BadConfig_RefusesToStartAndStartsNothing()
    {
        var marker = Path.Combine(_directory, "started");
        var path = Write($$"""
            { "Ops": { "Host": { "StateDirectory": "state", "LogDirectory": "log" }, "Programs": {
              "web": { "Command": "/bin/sh", "Args": [ "-c", "touch {{marker}}; sleep 60" ] },
              "bad": { "Command": "/bin/true", "MaxRestarts": -1 } } } }
            """);

        var (code, output) = await OpsdCommand.RunAsync("--config", path);

        Assert.Equal(1, code);
        Assert.Contains("Ops:Programs:bad:MaxRestarts: must be at least 0, not -1", output, StringComparison.Ordinal);
        Assert.False(File.Exists(marker), "a program was started despite the bad config");
    }

    [Fact]
    public async Task Validate_MalformedJson_NamesTheFileAndLine()
    {
        var path = Write("{ \"Ops\": { \"Programs\": { \"web\": { \"Command\": } } } }");

        var (code, output) = await OpsdCommand.RunAsync("validate", "--config", path);

        Assert.Equal(1, code);
        Assert.Contains(path, output, StringComparison.Ordinal);
        Assert.Contains("is not valid JSON", output, StringComparison.Ordinal);
        Assert.Contains("LineNumber: 0", output, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string json)
    {
        var path = Path.Combine(_directory, $"{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }
}
