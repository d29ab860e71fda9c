using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Ops.Cli.Api;

/// <summary>An HTTP answer from opsd, kept as received so that --json can print it verbatim.</summary>
public sealed record ApiAnswer(int Status, string Body, string? MediaType)
{
    /// <summary>True when the body is JSON (application/json or application/problem+json).</summary>
    public bool IsJson => MediaType is not null && MediaType.EndsWith("json", StringComparison.OrdinalIgnoreCase);

    /// <summary>Deserializes the body; an answer opsctl cannot read becomes an <see cref="UnexpectedAnswerException"/>.</summary>
    public T Read<T>(JsonTypeInfo<T> type)
    {
        try
        {
            return JsonSerializer.Deserialize(Body, type) ?? throw new UnexpectedAnswerException(Status, "an empty (null) JSON answer");
        }
        catch (JsonException ex)
        {
            throw new UnexpectedAnswerException(Status, $"not the JSON opsctl expects ({ex.Message}): {Snippet(Body)}");
        }
    }

    /// <summary>The start of a body, on one line, for error messages.</summary>
    public static string Snippet(string body)
    {
        const int Max = 200;
        var line = body.ReplaceLineEndings(" ").Trim();
        return line.Length <= Max ? line : line[..Max] + "...";
    }
}
