using System.Text.Json;
using System.Text.Json.Nodes;
using Ops.Daemon.Tests.Support;

namespace Ops.Daemon.Tests.Tasks;

/// <summary>A task's runs and a program named like them (task-x beside task x) keep apart: records and log files.</summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
public sealed class TaskIdentityTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task ProgramTaskXAndTaskX_RunAtOnce_ShareNeitherOrphanRecordsNorLogFiles()
    {
        var started = Path.Combine(Path.GetTempPath(), $"ops-started-{Guid.NewGuid():N}");
        await using var opsd = await new Opsd(
            new JsonObject { ["task-x"] = Worker.Shell("echo program-line; echo program-err >&2; while true; do sleep 1; done") },
            TaskSetup.Ops("InMemory", new JsonObject
            {
                ["x"] = TaskSetup.ShellTask($"echo task-line; echo task-err >&2; touch {started}; sleep 5", new JsonObject { ["Retries"] = 0 }),
            })).StartAsync();
        var program = (await opsd.WaitForStateAsync("task-x", "Running", Wait)).Single();

        var id = (await opsd.SubmitOkAsync("x")).Single();
        var deadline = DateTime.UtcNow + Wait;
        while (!File.Exists(started) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.True(File.Exists(started), $"the run of x did not start\n{opsd.Output}");
        var groups = Path.Combine(opsd.Directory, "state", "groups");
        var programRecord = Record(Path.Combine(groups, "programs", "task-x", "0.json"));
        var taskRecord = Record(Path.Combine(groups, "tasks", "x", "0.json"));
        Assert.Equal(program.Pid, programRecord.GetProperty("pgid").GetInt32());
        Assert.NotEqual(program.Pid, taskRecord.GetProperty("pgid").GetInt32());
        Assert.Equal("x", taskRecord.GetProperty("program").GetString());
        Assert.Equal("Task", taskRecord.GetProperty("kind").GetString());

        await opsd.WaitJobStateAsync(id, "Succeeded", Wait);
        var logs = Path.Combine(opsd.Directory, "log");
        Assert.Equal(["program-line"], Lines(Path.Combine(logs, "programs", "task-x-0.out.log")));
        Assert.Equal(["program-err"], Lines(Path.Combine(logs, "programs", "task-x-0.err.log")));
        Assert.Equal(["task-line"], Lines(Path.Combine(logs, "tasks", "x-0.out.log")));
        Assert.Equal(["task-err"], Lines(Path.Combine(logs, "tasks", "x-0.err.log")));

        // The program's record still names its running group: the run's end emptied its own record only.
        Assert.Equal(program.Pid, Record(Path.Combine(groups, "programs", "task-x", "0.json")).GetProperty("pgid").GetInt32());
        File.Delete(started);
    }

    private static JsonElement Record(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var document = JsonDocument.Parse(stream);
        return document.RootElement.Clone();
    }

    private static string[] Lines(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
