using Ops.Daemon.Configuration;

namespace Ops.Daemon.Api;

/// <summary>POST /api/v1/reload[?dryRun=true], and the same reload on SIGHUP.</summary>
public static class ReloadEndpoints
{
    /// <summary>Maps the reload route and starts listening for SIGHUP until the host stops.</summary>
    public static void MapReloadEndpoints(this IEndpointRouteBuilder app)
    {
        // Made here rather than registered, so that composing reload takes one line in DaemonHost.
        var reloader = ActivatorUtilities.CreateInstance<ConfigReloader>(app.ServiceProvider);
        var lifetime = app.ServiceProvider.GetRequiredService<IHostApplicationLifetime>();
        var hangup = reloader.ListenForHangup(lifetime.ApplicationStopping);
        if (hangup is not null)
        {
            lifetime.ApplicationStopped.Register(hangup.Dispose);
        }

        app.MapPost("/api/v1/reload", async (bool? dryRun, CancellationToken ct) =>
        {
            var outcome = await reloader.ReloadAsync(dryRun == true, "HTTP", ct);
            return outcome.Status switch
            {
                ReloadStatus.Invalid => Results.Problem(
                    $"{outcome.ConfigPath} has {outcome.Errors.Count} error(s); the running configuration stays as it is. {string.Join("; ", outcome.Errors)}",
                    statusCode: StatusCodes.Status400BadRequest,
                    title: "Invalid configuration",
                    extensions: new Dictionary<string, object?>
                    {
                        ["configPath"] = outcome.ConfigPath,
                        ["errors"] = outcome.Errors.Select(e => new ConfigErrorDto(e.Path, e.Message)).ToList(),
                    }),
                ReloadStatus.Refused => Results.Problem(outcome.Refusal, statusCode: StatusCodes.Status409Conflict, title: "Cannot reload now"),
                _ => Results.Ok(ReloadDto.From(outcome)),
            };
        });
    }
}

/// <summary>The 200 answer of POST /api/v1/reload: the program diff, whether it was applied, and what it could not apply.</summary>
/// <param name="Added">Programs that are new in the file.</param>
/// <param name="Removed">Programs no longer in the file.</param>
/// <param name="Changed">Programs with any setting changed: they restart (an Instances-only change keeps the instances that stay).</param>
/// <param name="Unchanged">Programs left running untouched.</param>
/// <param name="ChangedFields">For each changed program, the settings that differ.</param>
/// <param name="Applied">False for a dry run.</param>
/// <param name="RestartRequired">Key paths of changes that take effect only when opsd restarts.</param>
/// <param name="Warnings">What else the operator should know.</param>
public sealed record ReloadDto(
    IReadOnlyList<string> Added,
    IReadOnlyList<string> Removed,
    IReadOnlyList<string> Changed,
    IReadOnlyList<string> Unchanged,
    IReadOnlyDictionary<string, IReadOnlyList<string>> ChangedFields,
    bool Applied,
    IReadOnlyList<string> RestartRequired,
    IReadOnlyList<string> Warnings)
{
    internal static ReloadDto From(ReloadOutcome outcome)
    {
        var plan = outcome.Plan!;
        return new ReloadDto(
            plan.Added,
            plan.Removed,
            plan.Changed,
            plan.Unchanged,
            plan.ChangedFields,
            outcome.Status == ReloadStatus.Applied,
            outcome.RestartRequired,
            outcome.Warnings);
    }
}

/// <summary>One configuration error in a 400 answer.</summary>
/// <param name="Path">The key path, e.g. "Ops:Programs:web:Instances".</param>
/// <param name="Message">What is wrong and how to fix it.</param>
public sealed record ConfigErrorDto(string Path, string Message);
