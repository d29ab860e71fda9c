using Ops.Daemon.Configuration;
using Ops.Supervision;

namespace Ops.Daemon.Api;

/// <summary>/api/v1/programs: list, history, start/stop/restart, log tail.</summary>
public static partial class ProgramEndpoints
{
    /// <summary>Maps the program routes.</summary>
    public static void MapProgramEndpoints(this IEndpointRouteBuilder app)
    {
        var programs = app.MapGroup("/api/v1/programs");

        programs.MapGet("/", (ISupervisor supervisor, OpsSettings settings) =>
            Results.Ok(supervisor.Snapshot().Select(s => ProgramInstanceDto.From(s, settings.HostName))));

        programs.MapGet("/{name}", (string name, ISupervisor supervisor, OpsSettings settings) =>
        {
            var (program, instance) = SplitTarget(name);
            var snapshot = supervisor.Snapshot(program);
            if (snapshot is null)
            {
                return UnknownProgram(name);
            }

            var selected = instance is null ? snapshot : snapshot.Where(s => s.Instance == instance).ToList();
            return selected.Count == 0
                ? UnknownProgram(name)
                : Results.Ok(selected.Select(s => ProgramInstanceDto.From(s, settings.HostName)));
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
            programs.MapPost($"/{{name}}/{verb}", async (string name, ISupervisor supervisor, CancellationToken ct) =>
            {
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

    /// <summary>"web:1" -> ("web", 1); "web" -> ("web", null). A bad index keeps the whole text as the name, which then is unknown.</summary>
    internal static (string Program, int? Instance) SplitTarget(string target)
    {
        var colon = target.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return (target, null);
        }

        return int.TryParse(target[(colon + 1)..], out var index) && index >= 0
            ? (target[..colon], index)
            : (target, null);
    }

    private static IResult UnknownProgram(string name) =>
        Results.Problem($"No program or instance '{name}' is configured on this host. GET /api/v1/programs lists them.", statusCode: StatusCodes.Status404NotFound, title: "Unknown program or instance");
}
