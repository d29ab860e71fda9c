using Ops.Jobs.Storage;
using Ops.Supervision;

namespace Ops.Daemon.Api;

/// <summary>/healthz (the supervision loop turns) and /readyz (storage answers).</summary>
public static class HealthEndpoints
{
    /// <summary>The loop heartbeats every second; this much silence means it is stuck.</summary>
    private static readonly TimeSpan MaxLoopSilence = TimeSpan.FromSeconds(5);

    /// <summary>Maps the probes.</summary>
    public static void MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", (ISupervisor supervisor) =>
        {
            var silence = supervisor.SinceLastLoopTurn;
            var body = new { status = silence < MaxLoopSilence ? "ok" : "stalled", loopSilenceMs = Math.Round(silence.TotalMilliseconds) };
            return silence < MaxLoopSilence ? Results.Ok(body) : Results.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable);
        });

        app.MapGet("/readyz", async (JobStorageHost storage, Hosting.OrphanCleanup orphans, CancellationToken ct) =>
            !orphans.Done
                ? Results.Json(new { status = "starting: ending what a previous opsd left running" }, statusCode: StatusCodes.Status503ServiceUnavailable)
                : await storage.PingAsync(ct)
                ? Results.Ok(new { status = "ok", storage = storage.Description })
                : Results.Json(new { status = "storage unavailable", storage = storage.Description }, statusCode: StatusCodes.Status503ServiceUnavailable));
    }
}
