using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Ops.Cli.Tests.Support;
using Ops.Daemon.Tests.Support;

namespace Ops.Cli.Tests.Security;

/// <summary>--token and OPS_TOKEN against an opsd with tokens: 401 and 403 say what to do.</summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
public sealed class TokenTests
{
    private const string AdminToken = "ops_cli-test-admin-token";
    private const string ViewerToken = "ops_cli-test-viewer-token";

    [Fact]
    public async Task Tokens_NoneWrongViewerAdmin_401And403ExplainAndTheRightRoleActs()
    {
        await using var opsd = await new Opsd(
            new JsonObject { ["web"] = Worker.Shell("exec sleep 600") },
            new JsonObject
            {
                ["Security"] = new JsonObject
                {
                    ["Tokens"] = new JsonArray(Token("admin", AdminToken, "Admin"), Token("viewer", ViewerToken, "Viewer")),
                },
            }).StartAsync();

        var none = (await Opsctl.RunAsync(opsd, "status")).ExitsWith(1);
        Assert.Equal("unauthorized: set --token or OPS_TOKEN\n", none.Stderr);
        var wrong = (await Opsctl.RunAsync(opsd, "--token", "ops_wrong", "status")).ExitsWith(1);
        Assert.StartsWith("unauthorized: set --token or OPS_TOKEN (opsd did not accept the token given)", wrong.Stderr, StringComparison.Ordinal);

        var viewer = (await Opsctl.RunAsync(opsd, "status", "--token", ViewerToken, "--json")).ExitsWith(0).Json();
        Assert.Equal("web", viewer.EnumerateArray().Single().GetProperty("name").GetString());
        var forbidden = (await Opsctl.RunAsync(opsd, "stop", "web", "--token", ViewerToken)).ExitsWith(1);
        Assert.StartsWith("forbidden: your token's role cannot do this", forbidden.Stderr, StringComparison.Ordinal);
        var still = (await Opsctl.RunAsync(opsd, "status", "web", "--token", AdminToken, "--json")).ExitsWith(0).Json();
        Assert.Equal("Running", still.EnumerateArray().Single().GetProperty("state").GetString());

        var admin = (await Opsctl.RunAsync(["--url", opsd.Url, "stop", "web"], new Dictionary<string, string> { ["OPS_TOKEN"] = AdminToken })).ExitsWith(0);
        Assert.Contains("accepted: stop web:0", admin.Stdout, StringComparison.Ordinal);
    }

    private static JsonObject Token(string name, string token, string role) => new()
    {
        ["Name"] = name,
        ["Sha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token))),
        ["Role"] = role,
    };
}
