namespace Ops.Daemon.Api;

/// <summary>RFC 7807 answers shared by the endpoints.</summary>
internal static class Problems
{
    /// <summary>400 naming the field and what is wrong with it.</summary>
    public static IResult BadRequest(string field, string message) =>
        Results.Problem($"{field}: {message}", statusCode: StatusCodes.Status400BadRequest, title: $"Bad {field}", extensions: new Dictionary<string, object?> { ["field"] = field });

    /// <summary>413 naming the limit, in bytes as Kestrel's own answer does, and what to do instead.</summary>
    public static IResult TooLarge(long limit, string advice) =>
        Results.Problem($"body: is larger than the limit of {limit} bytes; {advice}", statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request too large", extensions: new Dictionary<string, object?> { ["field"] = "body", ["limit"] = limit });

    /// <summary>415 naming what was sent and what is accepted.</summary>
    public static IResult UnsupportedMediaType(string? sent, string accepted) =>
        Results.Problem($"Content-Type: '{sent}' is not accepted here; send {accepted}", statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type", extensions: new Dictionary<string, object?> { ["field"] = "Content-Type" });
}
