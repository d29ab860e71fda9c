using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Ops.Jobs.Queries;
using Ops.Jobs.Storage;
using Ops.Jobs.Submitting;

namespace Ops.Daemon.Api;

/// <summary>POST /api/v1/tasks/{name}/runs and GET /api/v1/jobs/{id}.</summary>
public static class TaskEndpoints
{
    /// <summary>
    /// One limit for a run request, enforced here both before reading (Content-Length) and while reading (chunked):
    /// the body is buffered and parsed whole, so it must fit in memory several times over.
    /// </summary>
    public const long MaxBodyBytes = 32L * 1024 * 1024;

    private const string SplitAdvice = "split the items over several requests";
    private const int MaxIds = 500;

    /// <summary>Maps the task routes.</summary>
    public static void MapTaskEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/tasks/{name}/runs", async (string name, HttpRequest request, TaskSubmitter submitter, CancellationToken ct) =>
        {
            var (args, items, problem) = await ReadRunRequestAsync(request, ct);
            if (problem is not null)
            {
                return problem;
            }

            return submitter.Submit(name, args, items) switch
            {
                SubmitResult.Accepted accepted => Results.Json(new { jobIds = accepted.JobIds }, statusCode: StatusCodes.Status202Accepted),
                SubmitResult.UnknownTask unknown => Results.Problem($"No task '{unknown.Task}' is configured. Tasks are declared under Ops:Tasks.", statusCode: StatusCodes.Status404NotFound, title: "Unknown task"),
                SubmitResult.Invalid invalid => Problems.BadRequest(invalid.Field, invalid.Message),
                SubmitResult.AtCapacity full => Results.Problem(
                    $"Queue '{full.Queue}' holds {full.Length} of {full.Capacity} waiting jobs; {full.Requested} more would pass its capacity. Nothing was enqueued: retry later or raise Ops:Queues:{full.Queue}:Capacity.",
                    statusCode: StatusCodes.Status429TooManyRequests,
                    title: "Queue at capacity",
                    extensions: new Dictionary<string, object?> { ["queue"] = full.Queue, ["capacity"] = full.Capacity, ["length"] = full.Length, ["requested"] = full.Requested }),
                SubmitResult.TooLarge large => Results.Problem(
                    $"A batch of {large.Requested} runs can never fit queue '{large.Queue}', which holds at most {large.Capacity} waiting jobs. Nothing was enqueued, and retrying will not help: split it into batches of at most {large.Capacity} items ({large.Batches} requests), or raise Ops:Queues:{large.Queue}:Capacity.",
                    statusCode: StatusCodes.Status413RequestEntityTooLarge,
                    title: "Batch larger than the queue's capacity",
                    extensions: new Dictionary<string, object?> { ["queue"] = large.Queue, ["capacity"] = large.Capacity, ["requested"] = large.Requested, ["batches"] = large.Batches }),
                SubmitResult.Unavailable down => Results.Problem(down.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Task storage unavailable"),
                _ => throw new InvalidOperationException("unexpected submit result"),
            };
        });

        app.MapGet("/api/v1/jobs", (string? state, string? task, string? ids, int? limit, JobQueries jobs) =>
        {
            try
            {
                if (ids is not null)
                {
                    var wanted = ids.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    return wanted.Length > MaxIds
                        ? Problems.BadRequest("ids", $"has {wanted.Length} ids; at most {MaxIds} per request")
                        : Results.Ok(jobs.Get(wanted).Select(JobDto.From).ToList());
                }

                var count = limit ?? 100;
                if (count is < 1 or > MaxIds)
                {
                    return Problems.BadRequest("limit", $"must be between 1 and {MaxIds}, not {count}");
                }

                var wantedState = JobQueries.States.FirstOrDefault(s => string.Equals(s, state ?? "Failed", StringComparison.OrdinalIgnoreCase));
                return wantedState is null
                    ? Problems.BadRequest("state", $"'{state}' is not one of {string.Join(", ", JobQueries.States)}")
                    : Results.Ok(jobs.List(wantedState, task, count).Select(JobDto.From).ToList());
            }
            catch (StorageUnavailableException ex)
            {
                return Results.Problem(ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Task storage unavailable");
            }
        });

        app.MapGet("/api/v1/jobs/{id}", (string id, JobQueries jobs) =>
        {
            try
            {
                return jobs.Get(id) is { } job
                    ? Results.Ok(JobDto.From(job))
                    : Results.Problem($"No job '{id}' in the task storage.", statusCode: StatusCodes.Status404NotFound, title: "Unknown job");
            }
            catch (StorageUnavailableException ex)
            {
                return Results.Problem(ex.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "Task storage unavailable");
            }
        });
    }

    /// <summary>Reads <c>{ "args": ["..."], "items": [ any JSON ] }</c>; an empty body is one run without args or item.</summary>
    private static async Task<(List<string>? Args, List<string>? Items, IResult? Problem)> ReadRunRequestAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength is > MaxBodyBytes)
        {
            return (null, null, Problems.TooLarge(MaxBodyBytes, SplitAdvice));
        }

        // Kestrel's own default (30 MB) would otherwise be the limit for bodies without a Content-Length.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBodyBytes;
        }

        using var buffer = new MemoryStream();
        try
        {
            await request.Body.CopyToAsync(buffer, ct);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, null, Problems.TooLarge(MaxBodyBytes, SplitAdvice));
        }
        if (buffer.Length == 0)
        {
            return (null, null, null);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(buffer.ToArray());
        }
        catch (JsonException ex)
        {
            return (null, null, Problems.BadRequest("body", $"is not valid JSON: {ex.Message}"));
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, null, Problems.BadRequest("body", "must be a JSON object like { \"args\": [], \"items\": [] }"));
            }

            List<string>? args = null;
            List<string>? items = null;
            foreach (var property in document.RootElement.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "args":
                        if (property.Value.ValueKind != JsonValueKind.Array || property.Value.EnumerateArray().Any(a => a.ValueKind != JsonValueKind.String))
                        {
                            return (null, null, Problems.BadRequest("args", "must be an array of strings"));
                        }

                        args = [.. property.Value.EnumerateArray().Select(a => a.GetString()!)];
                        break;
                    case "items":
                        if (property.Value.ValueKind != JsonValueKind.Array)
                        {
                            return (null, null, Problems.BadRequest("items", "must be an array of JSON values, one per run"));
                        }

                        items = [.. property.Value.EnumerateArray().Select(i => i.GetRawText())];
                        break;
                    default:
                        return (null, null, Problems.BadRequest(property.Name, "is not a known field; a run request has \"args\" and \"items\""));
                }
            }

            return (args, items, null);
        }
    }
}
