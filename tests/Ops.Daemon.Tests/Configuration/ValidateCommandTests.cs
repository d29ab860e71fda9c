using Ops.Daemon.Tests.Support;

namespace Ops.Daemon.Tests.Configuration;

/// <summary>`opsd validate` and start-up refusal on a bad config, through the real binary.</summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
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

    [Theory]
    [InlineData("\"StopTimeout\": \"1e300s\"", "Ops:Programs:web:StopTimeout")]
    [InlineData("\"StopTimeout\": \"10675200d\"", "Ops:Programs:web:StopTimeout")]
    [InlineData("\"StartSeconds\": 1e20", "Ops:Programs:web:StartSeconds")]
    [InlineData("\"WorkingDirectory\": \"/tmp\\u0000\"", "Ops:Programs:web:WorkingDirectory")]
    public async Task Validate_ValuePastWhatOpsdCanHold_AnErrorLineNotAStackTrace(string keys, string path)
    {
        var file = Write($$"""{ "Ops": { "Programs": { "web": { "Command": "/bin/true", {{keys}} } } } }""");

        var (code, output) = await OpsdCommand.RunAsync("validate", "--config", file);

        Assert.Equal(1, code);
        Assert.Contains($"{path}: ", output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_CommandThatCannotRun_ErrorForProgramsAndTasks()
    {
        var plain = Path.Combine(_directory, "plain.txt");
        File.WriteAllText(plain, "not a program");
        File.SetUnixFileMode(plain, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var file = Write($$"""
            { "Ops": {
              "Programs": {
                "gone": { "Command": "/nonexistent/ghost-binary" },
                "bare": { "Command": "no-such-command-anywhere" },
                "plain": { "Command": "{{plain}}" }
              },
              "Tasks": { "job": { "Command": "/nonexistent/job" } } } }
            """);

        var (code, output) = await OpsdCommand.RunAsync("validate", "--config", file);

        Assert.Equal(1, code);
        Assert.Contains("Ops:Programs:gone:Command: '/nonexistent/ghost-binary' does not exist", output, StringComparison.Ordinal);
        Assert.Contains("Ops:Programs:bare:Command: 'no-such-command-anywhere' is not found on PATH", output, StringComparison.Ordinal);
        Assert.Contains($"Ops:Programs:plain:Command: '{plain}' is not executable", output, StringComparison.Ordinal);
        Assert.Contains("Ops:Tasks:job:Command: '/nonexistent/job' does not exist", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_RelativeCommandFromWorkingDirectoryAndBareName_ValidWithWarningsOnly()
    {
        var work = Directory.CreateDirectory(Path.Combine(_directory, "work")).FullName;
        var script = Path.Combine(work, "run.sh");
        File.WriteAllText(script, "#!/bin/sh\nexec sleep 60\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var file = Write($$"""
            { "Ops": { "Programs": {
              "local": { "Command": "./run.sh", "WorkingDirectory": "{{work}}" },
              "bare": { "Command": "sleep", "Args": [ "60" ] } } } }
            """);

        var (code, output) = await OpsdCommand.RunAsync("validate", "--config", file);

        Assert.Equal(0, code);
        Assert.Contains("Ops:Programs:bare:Command: warning: 'sleep' is looked up on opsd's PATH", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Ops:Programs:local", output, StringComparison.Ordinal);
        Assert.Contains("valid (2 program(s), 2 instance(s), 1 warning(s))", output, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string json)
    {
        var path = Path.Combine(_directory, $"{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }
}
