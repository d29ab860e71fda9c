using System.Diagnostics;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.Features;

namespace Ops.Daemon.Api;

/// <summary>
/// One guard for the whole pipeline: a request that fails because of what the client sent (a body too large or
/// cut short, a form that is not a form, a query value that does not bind) is answered 4xx problem+json saying
/// what was wrong, and logged at Information without a stack trace. Without it such failures surface as
/// exceptions, which the exception handler turns into 500 and logs as errors: anyone could fill the log.
/// </summary>
internal static class ClientFaults
{
    private static readonly string[] FormReaderNamespaces = ["Microsoft.AspNetCore.WebUtilities"];

    /// <summary>Goes right after UseExceptionHandler, so it sees every exception first.</summary>
    public static IApplicationBuilder UseClientFaults(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested && Classify(ex, context.Request) is { } fault)
        {
            var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ClientFaults));
            ClientFaultLog.Refused(logger, context.Request.Method, context.Request.Path.Value ?? string.Empty, fault.Status, fault.Detail);
            context.Response.Clear();
            await Results.Problem(fault.Detail, statusCode: fault.Status, title: fault.Title, extensions: new Dictionary<string, object?> { ["field"] = fault.Field })
                .ExecuteAsync(context);
        }
    });

    private sealed record Fault(int Status, string Title, string Field, string Detail);

    private static Fault? Classify(Exception ex, HttpRequest request) => ex switch
    {
        // Kestrel's (body too large, cut short, bad chunking) and minimal API binding's: their messages say what failed.
        BadHttpRequestException bad => new Fault(bad.StatusCode, TitleOf(bad.StatusCode), bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "body" : "request", bad.Message),

        // The form readers' limits (fields, key and value lengths, multipart sections and boundaries).
        InvalidDataException => new Fault(StatusCodes.Status400BadRequest, "Bad body", "body", $"{ex.Message} Send a well-formed form within the limits."),

        // Reading a form from a request that is not one; the message is only "Incorrect Content-Type".
        InvalidOperationException when ThrownBy(ex, typeof(FormFeature)) => new Fault(
            StatusCodes.Status415UnsupportedMediaType,
            "Unsupported media type",
            "Content-Type",
            $"'{request.ContentType}' is not a form: send application/x-www-form-urlencoded or multipart/form-data."),

        // A multipart body that ends before its closing boundary.
        IOException when ThrownBy(ex, typeof(FormFeature)) => new Fault(StatusCodes.Status400BadRequest, "Bad body", "body", "the form ends before it is complete (a multipart body needs its closing boundary)."),

        // The console's antiforgery check reads the form first and wraps what went wrong there.
        AntiforgeryValidationException => (ex.InnerException is { } inner ? Classify(inner, request) : null)
            ?? new Fault(StatusCodes.Status400BadRequest, "Bad antiforgery token", "body", "the console's form carries no valid antiforgery token; reload the page and try again."),
        _ => null,
    };

    private static string TitleOf(int status) => status switch
    {
        StatusCodes.Status413PayloadTooLarge => "Request too large",
        StatusCodes.Status415UnsupportedMediaType => "Unsupported media type",
        StatusCodes.Status408RequestTimeout => "Request timeout",
        StatusCodes.Status431RequestHeaderFieldsTooLarge => "Request headers too large",
        _ => "Bad request",
    };

    /// <summary>Whether <paramref name="ex"/> came out of <paramref name="owner"/> or the form parsers it uses.</summary>
    private static bool ThrownBy(Exception ex, Type owner) =>
        new StackTrace(ex, fNeedFileInfo: false).GetFrames().Any(frame =>
        {
            // Async methods run in compiler-made state machines nested in the type that declares them.
            var type = frame.GetMethod()?.DeclaringType;
            var outer = type?.DeclaringType ?? type;
            return outer == owner || (outer?.Namespace is { } ns && FormReaderNamespaces.Contains(ns));
        });
}

internal static partial class ClientFaultLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Refused {Method} {Path} with {StatusCode}: {Reason}")]
    public static partial void Refused(ILogger logger, string method, string path, int statusCode, string reason);
}
