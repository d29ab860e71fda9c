using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Ops.Daemon.Security;
using Ops.Daemon.Tests.Support;

namespace Ops.Daemon.Tests.Api;

/// <summary>Every endpoint x (no token, bad token, viewer, admin): the right status, and tokens never echoed.</summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
public sealed class AuthMatrixTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    public static JsonObject SecuredOps(string admin, string viewer) => new()
    {
        ["Security"] = new JsonObject
        {
            ["Tokens"] = new JsonArray(
                new JsonObject { ["Name"] = "root-admin", ["Sha256"] = Tokens.Hash(admin), ["Role"] = "Admin" },
                new JsonObject { ["Name"] = "watcher", ["Sha256"] = Tokens.Hash(viewer), ["Role"] = "Viewer" }),
        },
        ["Tasks"] = new JsonObject { ["hello"] = TaskSetup.ShellTask("exit 0") },
    };

    [Fact]
    public async Task Endpoints_EachCaller_GetTheRightStatus()
    {
        var admin = Tokens.New();
        var viewer = Tokens.New();
        await using var opsd = await new Opsd(new JsonObject { ["web"] = Worker.Program(["--forever"]) }, SecuredOps(admin, viewer), admin).StartAsync();
        using var raw = new HttpClient { BaseAddress = new Uri(opsd.Url) };
        await opsd.WaitForStateAsync("web", "Running", TimeSpan.FromSeconds(30));
        var jobId = await SendAsync(raw, HttpMethod.Post, "/api/v1/tasks/hello/runs", admin) is { StatusCode: HttpStatusCode.Accepted } created
            ? System.Text.Json.JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("jobIds")[0].GetString()
            : throw new InvalidOperationException("admin could not submit");

        // (method, path, none, bad, viewer, admin)
        var matrix = new (HttpMethod Method, string Path, HttpStatusCode None, HttpStatusCode Bad, HttpStatusCode Viewer, HttpStatusCode Admin)[]
        {
            (HttpMethod.Get, "/healthz", HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK),
            (HttpMethod.Get, "/readyz", HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK),
            (HttpMethod.Get, "/api/v1/programs", HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.OK, HttpStatusCode.OK),
            (HttpMethod.Get, "/api/v1/programs/web", HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.OK, HttpStatusCode.OK),
            (HttpMethod.Get, "/api/v1/programs/web/history", HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.OK, HttpStatusCode.OK),
            (HttpMethod.Get, "/api/v1/programs/web/log", HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.OK, HttpStatusCode.OK),
            (HttpMethod.Get, $"/api/v1/jobs/{jobId}", HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.OK, HttpStatusCode.OK),
            (HttpMethod.Get, "/api/v1/jobs?state=Succeeded", HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.OK, HttpStatusCode.OK),
            (HttpMethod.Get, "/metrics", HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.OK, HttpStatusCode.OK),
            (HttpMethod.Post, "/api/v1/programs/web/start", HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden, HttpStatusCode.Conflict),
            (HttpMethod.Post, "/api/v1/programs/web/restart", HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden, HttpStatusCode.Accepted),
            (HttpMethod.Post, "/api/v1/tasks/hello/runs", HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden, HttpStatusCode.Accepted),
            (HttpMethod.Post, "/api/v1/reload?dryRun=true", HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden, HttpStatusCode.OK),
            (HttpMethod.Post, "/api/v1/programs/web/stop", HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden, HttpStatusCode.Accepted),
        };

        var failures = new List<string>();
        foreach (var row in matrix)
        {
            foreach (var (who, token, expected) in new[] { ("none", (string?)null, row.None), ("bad", "ops_not-a-real-token", row.Bad), ("viewer", viewer, row.Viewer), ("admin", admin, row.Admin) })
            {
                using var response = await SendAsync(raw, row.Method, row.Path, token);
                var body = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != expected)
                {
                    failures.Add($"{row.Method} {row.Path} as {who}: {(int)response.StatusCode}, expected {(int)expected}: {body}");
                }

                if (body.Contains(admin, StringComparison.Ordinal) || body.Contains(viewer, StringComparison.Ordinal))
                {
                    failures.Add($"{row.Method} {row.Path} as {who}: the answer contains a token");
                }
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
        Assert.DoesNotContain(admin, opsd.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(viewer, opsd.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Console_WithoutSession_RedirectsToLogin()
    {
        await using var opsd = await new Opsd([], SecuredOps(Tokens.New(), Tokens.New())).StartAsync();
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(opsd.Url) };

        using var response = await client.GetAsync("/hangfire/programs");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/login?returnUrl=", response.Headers.Location?.OriginalString, StringComparison.Ordinal);
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string? token)
    {
        var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client.SendAsync(request);
    }
}
