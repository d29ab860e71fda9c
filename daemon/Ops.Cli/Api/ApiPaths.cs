namespace Ops.Cli.Api;

/// <summary>The API's routes, relative to the base URL (so a base like http://proxy/ops/ keeps its path).</summary>
public static class ApiPaths
{
    /// <summary>Every instance, or one program's (<c>web</c>) or instance's (<c>web:1</c>).</summary>
    public static string Programs(string? name = null) => name is null ? "api/v1/programs" : $"api/v1/programs/{Escape(name)}";

    /// <summary>A program's or instance's instances, on one host when <paramref name="host"/> is given.</summary>
    public static string Programs(string name, string? host) => Programs(name) + HostQuery(host);

    /// <summary>The transitions of a program or instance, newest first.</summary>
    public static string History(string name) => $"{Programs(name)}/history";

    /// <summary>POST start, stop or restart; <paramref name="host"/> sends it to another host's opsd (through the shared storage).</summary>
    public static string Command(string name, string verb, string? host) => $"{Programs(name)}/{verb}{HostQuery(host)}";

    /// <summary>The last lines of an instance's output; with follow, a server-sent event stream.</summary>
    public static string Log(string name, bool stderr, int lines, bool follow) =>
        $"{Programs(name)}/log?stream={(stderr ? "stderr" : "stdout")}&lines={lines}" + (follow ? "&follow=true" : string.Empty);

    /// <summary>Re-read the config, and apply it unless a dry run.</summary>
    public static string Reload(bool dryRun) => $"api/v1/reload?dryRun={(dryRun ? "true" : "false")}";

    /// <summary>POST runs of a task.</summary>
    public static string Runs(string task) => $"api/v1/tasks/{Escape(task)}/runs";

    /// <summary>One job.</summary>
    public static string Job(string id) => $"api/v1/jobs/{Escape(id)}";

    /// <summary>Jobs by id, in the order asked (unknown ids are left out).</summary>
    public static string Jobs(IEnumerable<string> ids) => $"api/v1/jobs?ids={string.Join(',', ids.Select(Uri.EscapeDataString))}";

    /// <summary>The newest jobs in a state, optionally of one task.</summary>
    public static string Jobs(string state, string? task, int? limit) =>
        $"api/v1/jobs?state={Uri.EscapeDataString(state)}"
        + (task is null ? string.Empty : $"&task={Uri.EscapeDataString(task)}")
        + (limit is null ? string.Empty : $"&limit={limit}");

    private static string Escape(string segment) => Uri.EscapeDataString(segment);

    private static string HostQuery(string? host) => host is null ? string.Empty : $"?host={Uri.EscapeDataString(host)}";
}
