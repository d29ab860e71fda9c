using System.Text.Json;

namespace Ops.Cli.Api;

/// <summary>opsd answered with a 4xx or 5xx status (exit 1).</summary>
public sealed class OpsdRefusedException : Exception
{
    /// <summary>Wraps a non-success answer to <paramref name="request"/>; <paramref name="tokenSent"/> refines the 401 advice.</summary>
    public OpsdRefusedException(ApiAnswer answer, bool tokenSent, string request)
        : base(Describe(answer, ReadProblem(answer), tokenSent, request))
    {
        Answer = answer;
        Problem = ReadProblem(answer);
    }

    /// <summary>The answer as received (printed verbatim with --json).</summary>
    public ApiAnswer Answer { get; }

    /// <summary>The problem+json body, when there is one.</summary>
    public Problem? Problem { get; }

    private static Problem? ReadProblem(ApiAnswer answer)
    {
        if (!answer.IsJson || answer.Body.Length == 0)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(answer.Body, ApiJson.Default.Problem);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Describe(ApiAnswer answer, Problem? problem, bool tokenSent, string request)
    {
        var detail = problem?.Detail ?? problem?.Title ?? (answer.Body.Length > 0 ? ApiAnswer.Snippet(answer.Body) : null);
        return answer.Status switch
        {
            401 => "unauthorized: set --token or OPS_TOKEN" + (tokenSent ? " (opsd did not accept the token given)" : string.Empty),
            403 => "forbidden: your token's role cannot do this" + (detail is null ? string.Empty : $" ({detail})"),
            404 when detail is null => $"refused (404): opsd has no {request}; is it older than this opsctl?",
            < 500 => $"refused ({answer.Status}): {detail ?? "no details given"}",
            _ => $"failed ({answer.Status}): {detail ?? "no details given"}",
        };
    }
}
