using System.Text.Json.Nodes;

namespace Ops.Daemon.Tests.Support;

/// <summary>Builds program configs that run Ops.TestWorker (see its flags) or a shell line.</summary>
internal static class Worker
{
    /// <summary>A program running ops-testworker with <paramref name="args"/>, plus the given keys.</summary>
    public static JsonObject Program(string[] args, JsonObject? settings = null)
    {
        var argv = new JsonArray(Tools.TestWorker);
        foreach (var arg in args)
        {
            argv.Add(arg);
        }

        var program = new JsonObject
        {
            ["Command"] = Tools.Dotnet,
            ["Args"] = argv,
            ["StartSeconds"] = "0.5",
            ["StopTimeout"] = "3s",
            ["Backoff"] = new JsonObject { ["Initial"] = "100ms", ["Max"] = "2s", ["Multiplier"] = 2, ["Jitter"] = 0 },
        };
        foreach (var (key, value) in settings ?? [])
        {
            program[key] = value?.DeepClone();
        }

        return program;
    }

    /// <summary>A program running <c>/bin/sh -c <paramref name="script"/></c>.</summary>
    public static JsonObject Shell(string script, JsonObject? settings = null)
    {
        var program = new JsonObject
        {
            ["Command"] = "/bin/sh",
            ["Args"] = new JsonArray("-c", script),
            ["StartSeconds"] = "0.3",
            ["StopTimeout"] = "3s",
        };
        foreach (var (key, value) in settings ?? [])
        {
            program[key] = value?.DeepClone();
        }

        return program;
    }

    /// <summary>Lines of a pid file the workers append to; empty when it does not exist yet.</summary>
    public static List<int> ReadPids(string path) =>
        File.Exists(path)
            ? File.ReadAllLines(path).Where(l => int.TryParse(l, out _)).Select(int.Parse).ToList()
            : [];
}
