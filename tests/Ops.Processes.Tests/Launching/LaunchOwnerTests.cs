using Ops.Processes.Orphans;
using Ops.Processes.Tests.Support;
using Ops.Supervision;
using Ops.Supervision.Os;

namespace Ops.Processes.Tests.Launching;

/// <summary>Program instances and task-run slots keep their orphan records and output files apart.</summary>
public sealed class LaunchOwnerTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly ProcessSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    public async Task Launch_ProgramTaskXAndTaskXAtOnce_ShareNeitherRecordsNorLogFiles()
    {
        // Task runs used to be launched as program "task-<name>": program task-x and task x's slot 0 were one owner.
        var program = new InstanceId("task-x", 0);
        var task = new RunSlotId("x", 0);
        IRunningProcess programRun = _sandbox.Start(Worker.Command("task-x", "sh", "-c", "echo from-program; echo program-err >&2; exec sleep 30"));
        IRunningProcess taskRun = _sandbox.Start(Worker.Command("x", "sh", "-c", "echo from-task; echo task-err >&2; exec sleep 30") with { Owner = task });

        string groups = Path.Combine(_sandbox.Options.StateDirectory, "groups");
        string programRecord = Path.Combine(groups, "programs", "task-x", "0.json");
        string taskRecord = Path.Combine(groups, "tasks", "x", "0.json");
        Assert.Equal(programRun.Pid, ReadRecord(programRecord).Pgid);
        Assert.Equal(taskRun.Pid, ReadRecord(taskRecord).Pgid);
        Assert.Equal(LaunchOwnerKind.Task, ReadRecord(taskRecord).Kind);

        string programOut = _sandbox.Output.GetLogFilePath(program, OutputStream.Stdout);
        string taskOut = _sandbox.Output.GetLogFilePath(task, OutputStream.Stdout);
        Assert.NotEqual(programOut, taskOut);
        Assert.NotEqual(_sandbox.Output.GetLogFilePath(program, OutputStream.Stderr), _sandbox.Output.GetLogFilePath(task, OutputStream.Stderr));
        Assert.True(await Eventually.TrueAsync(() => Lines(programOut).Length == 1 && Lines(taskOut).Length == 1, Timeout));
        Assert.Equal(["from-program"], Lines(programOut));
        Assert.Equal(["from-task"], Lines(taskOut));
        Assert.True(await Eventually.TrueAsync(
            () => Lines(_sandbox.Output.GetLogFilePath(task, OutputStream.Stderr)) is ["task-err"]
                && Lines(_sandbox.Output.GetLogFilePath(program, OutputStream.Stderr)) is ["program-err"],
            Timeout));
        Assert.Equal(["from-program"], _sandbox.Output.Tail(program, OutputStream.Stdout, 10).Select(l => l.Text));
        Assert.Equal(["from-task"], _sandbox.Output.Tail(task, OutputStream.Stdout, 10).Select(l => l.Text));

        // Ending one owner's group ends its record only.
        programRun.Kill();
        await programRun.Exited.WaitAsync(Timeout);
        Assert.True(await programRun.WaitGroupEmptyAsync(Timeout, CancellationToken.None));
        Assert.Equal(taskRun.Pid, ReadRecord(taskRecord).Pgid);

        taskRun.Kill();
        await taskRun.Exited.WaitAsync(Timeout);
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public void LogFilePath_TaskRun_InTheTasksFolderBesideThePrograms()
    {
        string programs = Path.GetFullPath(_sandbox.Options.LogDirectory);
        string tasks = Path.Combine(Path.GetDirectoryName(programs)!, "tasks");

        Assert.Equal(Path.Combine(programs, "web-0.out.log"), _sandbox.Output.GetLogFilePath(new InstanceId("web", 0), OutputStream.Stdout));
        Assert.Equal(Path.Combine(tasks, "web-0.err.log"), _sandbox.Output.GetLogFilePath(new RunSlotId("web", 0), OutputStream.Stderr));
    }

    private static GroupRecord ReadRecord(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return System.Text.Json.JsonSerializer.Deserialize(stream, GroupRecordJsonContext.Default.GroupRecord)!;
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
