using Ops.Processes.Output;
using Ops.Supervision;
using Ops.Supervision.Os;

namespace Ops.Daemon.Api;

public static partial class ProgramEndpoints
{
    private const int MaxLines = 10_000;

    /// <summary>GET /api/v1/programs/{name}/log?stream=stdout&amp;lines=100: the last lines of one instance.</summary>
    private static void MapLogEndpoint(RouteGroupBuilder programs) =>
        programs.MapGet("/{name}/log", (string name, string? stream, int? lines, ISupervisor supervisor, InstanceOutputStore output) =>
        {
            var (program, instance) = SplitTarget(name);
            var snapshot = supervisor.Snapshot(program);
            if (snapshot is null || (instance is not null && snapshot.All(s => s.Instance != instance)))
            {
                return UnknownProgram(name);
            }

            if (instance is null && snapshot.Count > 1)
            {
                return Problems.BadRequest("name", $"'{program}' has {snapshot.Count} instances; name one, e.g. {program}:0");
            }

            OutputStream which;
            switch (stream?.ToLowerInvariant())
            {
                case null or "stdout":
                    which = OutputStream.Stdout;
                    break;
                case "stderr":
                    which = OutputStream.Stderr;
                    break;
                default:
                    return Problems.BadRequest("stream", $"'{stream}' is not stdout or stderr");
            }

            var count = lines ?? 100;
            if (count is < 1 or > MaxLines)
            {
                return Problems.BadRequest("lines", $"must be between 1 and {MaxLines}, not {count}");
            }

            var tail = output.Tail(program, instance ?? 0, which, count);
            return Results.Ok(tail.Select(l => new { at = l.Timestamp, pid = l.Pid, text = l.Text }));
        });
}
