using Ops.Daemon.Configuration;
using Ops.Jobs.Hosts;
using Ops.Supervision;

namespace Ops.Daemon.Api;

/// <summary>/api/v1/programs: list, history, start/stop/restart, log tail.</summary>
public static partial class ProgramEndpoints
{
    /// <summary>Maps the program routes.</summary>
    public static void MapProgramEndpoints(this IEndpointRouteBuilder app)
    {
        var programs = app.MapGroup("/api/v1/programs");

        // Every host's instances: this host's fresh from the supervisor, the others' as published in the storage.
        programs.MapGet("/", (ISupervisor supervisor, ClusterPrograms cluster, OpsSettings settings) =>
            Results.Ok(supervisor.Snapshot().Select(s => ProgramInstanceDto.From(s, settings.HostName)).Concat(cluster.Remote().Select(ProgramInstanceDto.From))));

        programs.MapGet("/{name}", (string name, string? host, ISupervisor supervisor, ClusterPrograms cluster, OpsSettings settings) =>
        {
            var (program, instance) = SplitTarget(name);
            var local = host is null || host == settings.HostName
                ? (supervisor.Snapshot(program) ?? []).Select(s => ProgramInstanceDto.From(s, settings.HostName))
                : [];
            var remote = host == settings.HostName ? [] : cluster.Remote().Where(p => p.Program == program && (host is null || p.Host == host)).Select(ProgramInstanceDto.From);
            var selected = local.Concat(remote).Where(s => instance is null || s.Instance == instance).ToList();
            return selected.Count == 0 ? UnknownProgram(name) : Results.Ok(selected);
        });

        programs.MapGet("/{name}/history", (string name, ISupervisor supervisor) =>
        {
            var (program, instance) = SplitTarget(name);
            var history = supervisor.History(program);
            return history is null
                ? UnknownProgram(name)
                : Results.Ok(history.Where(t => instance is null || t.Instance == instance).Select(TransitionDto.Of));
        });

        foreach (var kind in Enum.GetValues<CommandKind>())
        {
            var verb = kind.ToString().ToLowerInvariant();
            programs.MapPost($"/{{name}}/{verb}", async (string name, string? host, ISupervisor supervisor, ClusterPrograms cluster, OpsSettings settings, CancellationToken ct) =>
            {
                if (host is not null && host != settings.HostName)
                {
                    // Another host's program: the command travels through that host's queue.
                    return cluster.SendToHost(host, kind, name) is { } jobId
                        ? Results.Accepted(value: new CommandAcceptedDto(verb, name, [], $"sent to host {host} (job {jobId})"))
                        : Results.Problem($"No host '{host}' has published its programs to the shared storage.", statusCode: StatusCodes.Status404NotFound, title: "Unknown host");
                }

                var result = await supervisor.SendAsync(kind, name, ct);
                return result.Status switch
                {
                    CommandStatus.Accepted => Results.Accepted(value: new CommandAcceptedDto(verb, name, result.Instances, result.Message)),
                    CommandStatus.NotFound => Results.Problem(result.Message, statusCode: StatusCodes.Status404NotFound, title: "Unknown program or instance"),
                    _ => Results.Problem(result.Message, statusCode: StatusCodes.Status409Conflict, title: $"Cannot {verb} now"),
                };
            });
        }

        MapLogEndpoint(programs);
    }

    /// <summary>"web:1" -> ("web", 1); "web" -> ("web", null). Text that is no instance id stays whole as the name, which then is unknown.</summary>
    internal static (string Program, int? Instance) SplitTarget(string target) =>
        InstanceId.TryParse(target, out var id) ? (id.Program, id.Index) : (target, null);

    private static IResult UnknownProgram(string name) =>
        Results.Problem($"No program or instance '{name}' is configured on this host. GET /api/v1/programs lists them.", statusCode: StatusCodes.Status404NotFound, title: "Unknown program or instance");
}
