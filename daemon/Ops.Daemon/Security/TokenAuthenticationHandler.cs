using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Ops.Daemon.Configuration;

namespace Ops.Daemon.Security;

/// <summary>
/// Who is calling: a bearer token (API, opsctl) or the console's login cookie holding the same token. With no
/// tokens configured the daemon only listens on loopback and every caller is the local Admin.
/// </summary>
internal sealed class TokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    OpsSettings settings) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "OpsToken";
    public const string Cookie = "ops_token";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (settings.Tokens.Count == 0)
        {
            return Task.FromResult(Success("local", TokenRole.Admin));
        }

        var token = Presented(Request);
        if (token is null)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        return Task.FromResult(Tokens.Find(settings.Tokens, token) is { } entry
            ? Success(entry.Name, entry.Role)
            : AuthenticateResult.Fail("unknown token"));
    }

    /// <summary>The token a request carries: "Authorization: Bearer ..." first, else the login cookie.</summary>
    internal static string? Presented(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header.Length > 7)
        {
            return header[7..].Trim();
        }

        return request.Cookies.TryGetValue(Cookie, out var cookie) && cookie.Length > 0 ? cookie : null;
    }

    private AuthenticateResult Success(string name, TokenRole role)
    {
        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, name), new Claim(ClaimTypes.Role, role.ToString())], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }
}
