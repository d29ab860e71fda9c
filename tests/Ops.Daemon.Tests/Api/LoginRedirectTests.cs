using System.Net;
using Ops.Daemon.Security;
using Ops.Daemon.Tests.Support;

namespace Ops.Daemon.Tests.Api;

/// <summary>The login's returnUrl: only a path of the console is followed; anything else goes to the console's home.</summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
public sealed class LoginRedirectTests
{
    private const string Home = "/hangfire";

    /// <summary>What an attacker would try to make a browser leave the daemon (or split the answer's headers).</summary>
    public static readonly string[] Hostile =
    [
        "/\t/evil.example",
        "/%09/evil.example",
        "//evil.example",
        "///evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\\/evil.example",
        "\\/evil.example",
        "https://evil.example/hangfire",
        "http:evil.example",
        "javascript:alert(1)",
        " //evil.example",
        "/ /evil.example",
        "/\r\n/evil.example",
        "/hangfire\r\nSet-Cookie: stolen=1",
        "/hangfire\nLocation: //evil.example",
        "/\0/evil.example",
        "/%2F/evil.example",
        "/%2f%2fevil.example",
        "/%5Cevil.example",
        "/%5c%5cevil.example",
        "/%252F%252Fevil.example",
        "/hangfire/../..//evil.example",
        "/hangfire/%2e%2e/%2e%2e//evil.example",
        "/\u3000/evil.example",
        "/\u2215evil.example",
        "/\uFF0F/evil.example",
        "/hangfire/" + new string('a', 5_000),
        "/api/v1/programs",
        "/login",
        "/",
        "",
    ];

    public static readonly string[] Console = ["/hangfire", "/hangfire/jobs/failed", "/hangfire/programs?host=h1", "/hangfire/programs/web/history"];

    [Fact]
    public async Task PostLogin_HostileReturnUrls_RedirectToTheConsoleHome()
    {
        var admin = Tokens.New();
        await using var opsd = await new Opsd([], AuthMatrixTests.SecuredOps(admin, Tokens.New())).StartAsync();
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri(opsd.Url) };

        var failures = new List<string>();
        foreach (var (returnUrl, expected) in Hostile.Select(h => (h, Home)).Concat(Console.Select(c => (c, c))))
        {
            using var form = new FormUrlEncodedContent([new("token", admin), new("returnUrl", returnUrl)]);
            using var response = await client.PostAsync("/login", form);
            if (returnUrl.Contains('\0', StringComparison.Ordinal) && response.StatusCode == HttpStatusCode.BadRequest)
            {
                continue; // ASP.NET's form reader refuses a NUL in a value before the login sees it: fine too.
            }

            Check(response, $"POST /login returnUrl={Show(returnUrl)}", expected, failures);
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public async Task GetLogin_WithoutTokens_HostileReturnUrls_RedirectToTheConsoleHome()
    {
        await using var opsd = await new Opsd([]).StartAsync();
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(opsd.Url) };

        var failures = new List<string>();
        foreach (var (returnUrl, expected) in Hostile.Select(h => (h, Home)).Concat(Console.Select(c => (c, c))))
        {
            using var response = await client.GetAsync("/login?returnUrl=" + Uri.EscapeDataString(returnUrl));
            Check(response, $"GET /login?returnUrl={Show(returnUrl)}", expected, failures);
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    private static void Check(HttpResponseMessage response, string what, string expected, List<string> failures)
    {
        if (response.StatusCode != HttpStatusCode.Redirect)
        {
            failures.Add($"{what}: {(int)response.StatusCode}, expected a redirect");
            return;
        }

        var location = response.Headers.Location?.OriginalString;
        if (location != expected)
        {
            failures.Add($"{what}: Location {Show(location)}, expected {expected}");
        }
    }

    private static string Show(string? value) =>
        value is null ? "(none)" : System.Text.Json.JsonSerializer.Serialize(value.Length > 60 ? value[..60] + "..." : value);
}
