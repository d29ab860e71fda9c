namespace Ops.Daemon.Api;

/// <summary>RFC 7807 answers shared by the endpoints.</summary>
internal static class Problems
{
    /// <summary>400 naming the field and what is wrong with it.</summary>
    public static IResult BadRequest(string field, string message) =>
        Results.Problem($"{field}: {message}", statusCode: StatusCodes.Status400BadRequest, title: $"Bad {field}", extensions: new Dictionary<string, object?> { ["field"] = field });
}
