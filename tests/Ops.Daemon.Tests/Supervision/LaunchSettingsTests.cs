using System.Text.Json.Nodes;
using Ops.Daemon.Tests.Support;

namespace Ops.Daemon.Tests.Supervision;

/// <summary>What a program is started with: argv and environment with {instance}/{program}, directory, user.</summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
public sealed class LaunchSettingsTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Instances_ArgsEnvironmentDirectoryAndUser_AppliedPerInstance()
    {
        var shared = Directory.CreateTempSubdirectory("ops-launch-").FullName;
        File.SetUnixFileMode(shared, (UnixFileMode)0b111_111_111);
        try
        {
            await using var opsd = await new Opsd(new JsonObject
            {
                ["env"] = new JsonObject
                {
                    ["Command"] = "/bin/sh",
                    ["Args"] = new JsonArray("-c", "echo \"$(id -un) $APP_ID $(pwd) $0\" > \"$1/out-$APP_ID\"; exec sleep 60", "arg-{instance}", shared),
                    ["StartSeconds"] = "0.3",
                    ["Instances"] = 2,
                    ["Environment"] = new JsonObject { ["APP_ID"] = "{program}-{instance}" },
                    ["WorkingDirectory"] = shared,
                    ["User"] = "nobody",
                },
            }).StartAsync();
            await opsd.WaitForStateAsync("env", "Running", Wait);

            Assert.Equal($"nobody env-0 {shared} arg-0", File.ReadAllText(Path.Combine(shared, "out-env-0")).Trim());
            Assert.Equal($"nobody env-1 {shared} arg-1", File.ReadAllText(Path.Combine(shared, "out-env-1")).Trim());
        }
        finally
        {
            Directory.Delete(shared, recursive: true);
        }
    }

    [Fact]
    public async Task RelativePaths_WorkingDirectoryAndCommand_TakenFromTheConfigFilesFolder()
    {
        // The README: relative paths in the file are relative to the file, not to wherever opsd was started.
        // Opsd writes its config into its own Directory; the test runner's working directory is elsewhere.
        var opsd = new Opsd(new JsonObject
        {
            ["inwork"] = new JsonObject
            {
                ["Command"] = "./run.sh",
                ["WorkingDirectory"] = "work",
                ["StartSeconds"] = "0.3",
            },
            ["nodir"] = new JsonObject
            {
                ["Command"] = "work/run.sh",
                ["StartSeconds"] = "0.3",
            },
        });
        await using (opsd)
        {
            var work = Directory.CreateDirectory(Path.Combine(opsd.Directory, "work")).FullName;
            var script = Path.Combine(work, "run.sh");
            File.WriteAllText(script, "#!/bin/sh\necho \"ran in $(pwd)\"\nexec sleep 60\n");
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Assert.NotEqual(work, Directory.GetCurrentDirectory());

            await opsd.StartAsync();
            await opsd.WaitForStateAsync("inwork", "Running", Wait);
            await opsd.WaitForStateAsync("nodir", "Running", Wait);

            var log = await opsd.Http.GetStringAsync("/api/v1/programs/inwork:0/log?lines=10");
            Assert.Contains($"ran in {work}", log, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task MissingCommand_FailsEveryStartAndGoesFatalWithTheCauseInHistory()
    {
        await using var opsd = await new Opsd(new JsonObject
        {
            ["ghost"] = new JsonObject
            {
                ["Command"] = "/nonexistent/ghost-binary",
                ["MaxRestarts"] = 2,
                ["Backoff"] = new JsonObject { ["Initial"] = "10ms", ["Max"] = "10ms", ["Multiplier"] = 1, ["Jitter"] = 0 },
            },
        }).StartAsync();

        var fatal = (await opsd.WaitForStateAsync("ghost", "Fatal", Wait)).Single();

        Assert.Contains("ghost-binary", fatal.Reason, StringComparison.Ordinal);
        var history = await opsd.HistoryAsync("ghost");
        Assert.Equal(3, history.Count(t => t.To == "Starting"));
    }
}
