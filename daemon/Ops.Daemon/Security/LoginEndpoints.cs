using System.Net;
using Microsoft.AspNetCore.Http.Features;
using Ops.Daemon.Api;
using Ops.Daemon.Configuration;

namespace Ops.Daemon.Security;

/// <summary>The console's login: a token typed once, kept in an HttpOnly, SameSite=Strict cookie.</summary>
internal static class LoginEndpoints
{
    private static readonly TimeSpan CookieLifetime = TimeSpan.FromHours(12);

    private const long MaxFormBytes = 16 * 1024;

    public static void MapLoginEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", () => Results.Redirect(AccessPolicy.ConsolePath));

        app.MapGet("/login", (string? returnUrl, OpsSettings settings) =>
            settings.Tokens.Count == 0 ? Results.Redirect(ReturnUrl.Local(returnUrl)) : Page(returnUrl, null, StatusCodes.Status200OK));

        app.MapPost("/login", async (HttpContext context, OpsSettings settings) =>
        {
            // Anyone may post here: a token and a path fit in a few KB, so no bigger body is read.
            if (context.Request.ContentLength is > MaxFormBytes)
            {
                return Problems.TooLarge(MaxFormBytes, "a login form holds a token and a returnUrl");
            }

            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = MaxFormBytes;
            }

            if (!context.Request.HasFormContentType)
            {
                return Problems.UnsupportedMediaType(context.Request.ContentType, "application/x-www-form-urlencoded (the login page's form)");
            }

            var form = await context.Request.ReadFormAsync();
            var returnUrl = form["returnUrl"].ToString();
            var token = form["token"].ToString().Trim();
            if (token.Length == 0 || Tokens.Find(settings.Tokens, token) is null)
            {
                return Page(returnUrl, "That token is not valid on this daemon.", StatusCodes.Status401Unauthorized);
            }

            context.Response.Cookies.Append(TokenAuthenticationHandler.Cookie, token, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Secure = context.Request.IsHttps,
                MaxAge = CookieLifetime,
                Path = "/",
            });
            return Results.Redirect(ReturnUrl.Local(returnUrl));
        }).DisableAntiforgery();

        app.MapPost("/logout", (HttpContext context) =>
        {
            context.Response.Cookies.Delete(TokenAuthenticationHandler.Cookie, new CookieOptions { Path = "/" });
            return Results.Redirect("/login");
        }).DisableAntiforgery();
    }

    private static IResult Page(string? returnUrl, string? error, int status)
    {
        var message = error is null ? string.Empty : $"<p class=\"error\">{WebUtility.HtmlEncode(error)}</p>";
        var html = $$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>opsd: sign in</title>
            <style>body{font-family:sans-serif;max-width:28em;margin:4em auto}input{width:100%;padding:.5em;margin:.5em 0}.error{color:#b00}</style></head>
            <body><h1>opsd console</h1>{{message}}
            <form method="post" action="/login">
            <label for="token">Token</label>
            <input id="token" name="token" type="password" autocomplete="off" autofocus>
            <input type="hidden" name="returnUrl" value="{{WebUtility.HtmlEncode(ReturnUrl.Local(returnUrl))}}">
            <button id="sign-in" type="submit">Sign in</button>
            </form><p>A token comes from <code>opsd token new --name NAME --role Admin|Viewer</code>.</p></body></html>
            """;
        return Results.Content(html, "text/html; charset=utf-8", statusCode: status);
    }
}
