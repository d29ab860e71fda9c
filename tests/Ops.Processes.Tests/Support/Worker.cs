using Ops.Supervision;
using Ops.Supervision.Os;
using Ops.Supervision.Specs;

namespace Ops.Processes.Tests.Support;

/// <summary>Builds launch specs that run tests/Ops.TestWorker, which the build copies next to the test assembly.</summary>
internal static class Worker
{
    /// <summary>The worker's assembly, run through the same dotnet host that runs the tests.</summary>
    public static string AssemblyPath { get; } = Path.Combine(AppContext.BaseDirectory, "ops-testworker.dll");

    /// <summary>The dotnet host running this test process (an absolute path, found at run time).</summary>
    public static string DotnetHost { get; } =
        Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet";

    /// <summary>A spec that runs the worker with <paramref name="args"/>.</summary>
    public static LaunchSpec Spec(string program, params string[] args) => new(
        new InstanceId(program, 0),
        DotnetHost,
        [AssemblyPath, .. args],
        WorkingDirectory: null,
        new Dictionary<string, string>(),
        User: null,
        LogSpec.Default);

    /// <summary>A spec for another command (not the worker).</summary>
    public static LaunchSpec Command(string program, string command, params string[] args) => new(
        new InstanceId(program, 0),
        command,
        args,
        WorkingDirectory: null,
        new Dictionary<string, string>(),
        User: null,
        LogSpec.Default);
}
