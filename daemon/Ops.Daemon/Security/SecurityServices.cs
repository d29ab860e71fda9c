using Microsoft.AspNetCore.Authentication;

namespace Ops.Daemon.Security;

/// <summary>Registers token authentication.</summary>
internal static class SecurityServices
{
    public static IServiceCollection AddOpsSecurity(this IServiceCollection services)
    {
        services.AddAuthentication(TokenAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, TokenAuthenticationHandler>(TokenAuthenticationHandler.SchemeName, null);
        services.AddAuthorization();
        services.AddAntiforgery();
        return services;
    }
}
