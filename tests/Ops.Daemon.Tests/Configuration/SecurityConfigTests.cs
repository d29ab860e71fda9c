using Ops.Daemon.Tests.Support;

namespace Ops.Daemon.Tests.Configuration;

/// <summary>Binding beyond loopback needs tokens; token entries hold hashes only.</summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
public sealed class SecurityConfigTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("opsd-security-").FullName;

    [Fact]
    public async Task Run_NonLoopbackWithoutTokens_RefusesToStartNamingTheFix()
    {
        var path = Path.Combine(_directory, "opsd.json");
        File.WriteAllText(path, """{ "Ops": { "Host": { "Urls": "http://0.0.0.0:5099", "StateDirectory": "state", "LogDirectory": "log" } } }""");

        var (code, output) = await OpsdCommand.RunAsync("--config", path);

        Assert.Equal(1, code);
        Assert.Contains("Ops:Host:Urls: 'http://0.0.0.0:5099' listens beyond this machine but no token is configured", output, StringComparison.Ordinal);
        Assert.Contains("opsd token new", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_TokenPastedInsteadOfItsHash_Refused()
    {
        var path = Path.Combine(_directory, "tokens.json");
        File.WriteAllText(path, """{ "Ops": { "Security": { "Tokens": [ { "Name": "a", "Sha256": "ops_abc", "Role": "Admin" }, { "Name": "b", "Sha256": "00", "Role": "Boss" } ] } } }""");

        var (code, output) = await OpsdCommand.RunAsync("validate", "--config", path);

        Assert.Equal(1, code);
        Assert.Contains("Ops:Security:Tokens:0:Sha256: holds a token, not its hash", output, StringComparison.Ordinal);
        Assert.Contains("Ops:Security:Tokens:1:Sha256: must be 64 hex digits", output, StringComparison.Ordinal);
        Assert.Contains("Ops:Security:Tokens:1:Role: 'Boss' is not one of Viewer, Admin", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenNew_PrintsATokenAndAnEntryWithItsHashOnly()
    {
        var (code, output) = await OpsdCommand.RunAsync("token", "new", "--name", "ci", "--role", "Admin");

        Assert.Equal(0, code);
        var token = output.Split('\n').Single(l => l.StartsWith("token:", StringComparison.Ordinal))["token:".Length..].Trim();
        var entry = output.Split('\n').Single(l => l.StartsWith("config:", StringComparison.Ordinal));
        Assert.StartsWith("ops_", token, StringComparison.Ordinal);
        Assert.Contains(Ops.Daemon.Security.Tokens.Hash(token), entry, StringComparison.Ordinal);
        Assert.DoesNotContain(token, entry, StringComparison.Ordinal);
        Assert.Contains("\"Role\": \"Admin\"", entry, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
