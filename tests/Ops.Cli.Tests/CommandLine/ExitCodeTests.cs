using Ops.Cli.Tests.Support;
using Ops.Daemon.Tests.Support;

namespace Ops.Cli.Tests.CommandLine;

/// <summary>Exit codes that need no daemon: 2 for usage errors, 3 when opsd cannot be reached, 0 for help.</summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
public sealed class ExitCodeTests
{
    public static TheoryData<string[]> UsageErrors => new()
    {
        Array.Empty<string>(),
        new[] { "bogus" },
        new[] { "tail" },
        new[] { "why" },
        new[] { "status", "web", "extra" },
        new[] { "tail", "web:0", "-n", "0" },
        new[] { "tail", "web:0", "-n", "lots" },
        new[] { "jobs", "--limit", "abc" },
        new[] { "jobs", "--state", "Done" },
        new[] { "submit", "resize" },
        new[] { "status", "--no-such-option" },
        new[] { "jobs", "--no-such-option" },
        new[] { "stop", "Web!" },
        new[] { "why", "all" },
    };

    [Theory]
    [MemberData(nameof(UsageErrors))]
    public async Task Parse_BadCommandLine_Exits2WithTheErrorOnStderrOnly(string[] args)
    {
        var result = (await Opsctl.RunAsync(args)).ExitsWith(2);

        Assert.Empty(result.Stdout);
        Assert.Contains("opsctl:", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("--help", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Url_NotAnHttpUrl_Exits2NamingTheSource()
    {
        var fromOption = (await Opsctl.RunAsync(["--url", "localhost:5080", "status"])).ExitsWith(2);
        Assert.Contains("--url 'localhost:5080' is not an http:// or https:// URL", fromOption.Stderr, StringComparison.Ordinal);

        var fromEnvironment = (await Opsctl.RunAsync(["status"], new Dictionary<string, string> { ["OPS_URL"] = "ftp://example" })).ExitsWith(2);
        Assert.Contains("OPS_URL 'ftp://example'", fromEnvironment.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_UnreadableOrBrokenItemsFile_Exits2NamingFileAndLine()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"ops-items-{Guid.NewGuid():N}.json");
        var noFile = (await Opsctl.RunAsync(["--url", ClosedUrl(), "submit", "resize", "--items", missing])).ExitsWith(2);
        Assert.Contains(missing, noFile.Stderr, StringComparison.Ordinal);

        var lines = Path.Combine(Path.GetTempPath(), $"ops-items-{Guid.NewGuid():N}.jsonl");
        await File.WriteAllTextAsync(lines, "{\"id\": 1}\n{\"id\": 2\n{\"id\": 3}\n");
        var brokenLine = (await Opsctl.RunAsync(["--url", ClosedUrl(), "submit", "resize", "--items", lines])).ExitsWith(2);
        Assert.Contains($"{lines}:2:", brokenLine.Stderr, StringComparison.Ordinal);

        await File.WriteAllTextAsync(lines, "[]");
        var empty = (await Opsctl.RunAsync(["--url", ClosedUrl(), "submit", "resize", "--items", lines])).ExitsWith(2);
        Assert.Contains("holds no items", empty.Stderr, StringComparison.Ordinal);
        File.Delete(lines);
    }

    [Theory]
    [InlineData("status")]
    [InlineData("why", "web")]
    [InlineData("stop", "web:0")]
    [InlineData("jobs", "--json")]
    public async Task Unreachable_ClosedPort_Exits3NamingTheUrlAndHowToFixIt(params string[] command)
    {
        var url = ClosedUrl();

        var result = (await Opsctl.RunAsync(["--url", url, .. command])).ExitsWith(3);

        Assert.Empty(result.Stdout);
        Assert.Contains($"cannot reach opsd at {url}/", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("Is opsd running? Set --url or OPS_URL.", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unreachable_OpsUrlAtAClosedPort_IsTheUrlTried()
    {
        var url = ClosedUrl();

        var result = (await Opsctl.RunAsync(["status"], new Dictionary<string, string> { ["OPS_URL"] = url })).ExitsWith(3);

        Assert.Contains($"cannot reach opsd at {url}/", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_Root_Exits0AndListsEveryCommand()
    {
        var result = (await Opsctl.RunAsync(["--help"])).ExitsWith(0);

        foreach (var command in new[] { "status", "start", "stop", "restart", "why", "tail", "reload", "run", "submit", "job", "jobs", "--url", "--token", "--json" })
        {
            Assert.Contains(command, result.Stdout, StringComparison.Ordinal);
        }
    }

    /// <summary>A loopback URL nothing listens on (a port just freed).</summary>
    private static string ClosedUrl() => $"http://127.0.0.1:{Tools.FreePort()}";
}
