using System.Security.Claims;

namespace Ops.Daemon.Security;

/// <summary>
/// One table for who may do what, for every path, so no endpoint can forget it: probes and the login page are
/// open; reading (GET) needs a Viewer token; everything else (start, stop, runs, reload) needs Admin. The console
/// sends people without a session to the login page; the API answers 401/403 problem+json.
/// </summary>
internal static class AccessPolicy
{
    private static readonly string[] OpenPaths = ["/healthz", "/readyz", "/login", "/logout"];

    public const string ConsolePath = "/hangfire";

    public static IApplicationBuilder UseAccessPolicy(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var path = context.Request.Path;
        if (OpenPaths.Any(p => path.Equals(p, StringComparison.OrdinalIgnoreCase)))
        {
            await next(context);
            return;
        }

        var user = context.User;
        if (user.Identity?.IsAuthenticated != true)
        {
            if (path.StartsWithSegments(ConsolePath) || path == "/")
            {
                context.Response.Redirect("/login?returnUrl=" + Uri.EscapeDataString(context.Request.PathBase + path + context.Request.QueryString));
                return;
            }

            await Problem(context, StatusCodes.Status401Unauthorized, "Unauthorized", "No valid token: send \"Authorization: Bearer <token>\" (opsctl: --token or OPS_TOKEN).");
            return;
        }

        var reading = HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method);

        // The console decides itself: a Viewer sees it read-only and its commands are refused there.
        if (!reading && !path.StartsWithSegments(ConsolePath) && !IsAdmin(user))
        {
            await Problem(context, StatusCodes.Status403Forbidden, "Forbidden", $"Token '{user.Identity.Name}' has the Viewer role: it may read, not act. Use an Admin token.");
            return;
        }

        await next(context);
    });

    public static bool IsAdmin(ClaimsPrincipal user) => user.IsInRole(nameof(TokenRole.Admin));

    public static bool IsViewer(ClaimsPrincipal user) => IsAdmin(user) || user.IsInRole(nameof(TokenRole.Viewer));

    private static Task Problem(HttpContext context, int status, string title, string detail) =>
        Results.Problem(detail, statusCode: status, title: title).ExecuteAsync(context);
}
