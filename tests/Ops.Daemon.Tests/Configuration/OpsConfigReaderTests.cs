using Microsoft.Extensions.Configuration;
using Ops.Daemon.Configuration;
using Ops.Supervision.Specs;

namespace Ops.Daemon.Tests.Configuration;

public sealed class OpsConfigReaderTests
{
    [Theory]
    [InlineData("00:00:10", 10_000)]
    [InlineData("10s", 10_000)]
    [InlineData("250ms", 250)]
    [InlineData("1.5m", 90_000)]
    [InlineData("2h", 7_200_000)]
    [InlineData("1d", 86_400_000)]
    public void Duration_OperatorForms_Parse(string text, double milliseconds)
    {
        Assert.True(Duration.TryParse(text, out var value));
        Assert.Equal(milliseconds, value.TotalMilliseconds);
    }

    [Theory]
    [InlineData("")]
    [InlineData("ten seconds")]
    [InlineData("10x")]
    [InlineData("1:2:3:4:5")]
    public void Duration_Garbage_Refused(string text) => Assert.False(Duration.TryParse(text, out _));

    [Fact]
    public void Read_FullProgram_MapsEveryKey()
    {
        var settings = Read(new()
        {
            ["Ops:Programs:web:Command"] = "/usr/bin/web",
            ["Ops:Programs:web:Args:0"] = "--port",
            ["Ops:Programs:web:Args:1"] = "80{instance}",
            ["Ops:Programs:web:Environment:MODE"] = "prod",
            ["Ops:Programs:web:Instances"] = "3",
            ["Ops:Programs:web:Restart"] = "always",
            ["Ops:Programs:web:SuccessExitCodes:0"] = "0",
            ["Ops:Programs:web:SuccessExitCodes:1"] = "2",
            ["Ops:Programs:web:StartSeconds"] = "2.5",
            ["Ops:Programs:web:MaxRestarts"] = "7",
            ["Ops:Programs:web:RestartWindow"] = "5m",
            ["Ops:Programs:web:Backoff:Initial"] = "1s",
            ["Ops:Programs:web:Backoff:Max"] = "30s",
            ["Ops:Programs:web:Backoff:Multiplier"] = "3",
            ["Ops:Programs:web:Backoff:Jitter"] = "0",
            ["Ops:Programs:web:FatalRetryAfter"] = "00:05:00",
            ["Ops:Programs:web:StopSignal"] = "SIGINT",
            ["Ops:Programs:web:StopTimeout"] = "20s",
            ["Ops:Programs:web:MemoryLimitMB"] = "512",
            ["Ops:Programs:web:Health:Http"] = "http://127.0.0.1:80{instance}/health",
            ["Ops:Programs:web:Health:FailureThreshold"] = "4",
            ["Ops:Programs:web:Log:MaxFileBytes"] = "1048576",
            ["Ops:Programs:web:Log:MaxFiles"] = "4",
            ["Ops:Programs:db:Command"] = "db",
            ["Ops:Programs:web:DependsOn:0"] = "db",
        });

        Assert.Empty(settings.Errors);
        var web = settings.Programs.Single(p => p.Name == "web");
        Assert.Equal(["--port", "80{instance}"], web.Args);
        Assert.Equal("802", web.ForInstance(2).Args[1]);
        Assert.Equal(3, web.Instances);
        Assert.Equal(RestartPolicy.Always, web.Restart);
        Assert.Equal([0, 2], web.SuccessExitCodes);
        Assert.Equal(TimeSpan.FromSeconds(2.5), web.StartSeconds);
        Assert.Equal(new BackoffPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 3, 0), web.Backoff);
        Assert.Equal(TimeSpan.FromMinutes(5), web.FatalRetryAfter);
        Assert.Equal(StopSignal.SIGINT, web.StopSignal);
        Assert.Equal(512, web.MemoryLimitMB);
        Assert.Equal(HealthCheckKind.Http, web.Health!.Kind);
        Assert.Equal(4, web.Health.FailureThreshold);
        Assert.Equal(new LogSpec(1048576, 4), web.Log);
        Assert.Equal(["db"], web.DependsOn);
        Assert.Equal("prod", web.Environment["MODE"]);
    }

    [Fact]
    public void Read_HealthWithTwoKinds_OneErrorNamingTheSection()
    {
        var settings = Read(new()
        {
            ["Ops:Programs:web:Command"] = "/usr/bin/web",
            ["Ops:Programs:web:Health:Http"] = "http://x/",
            ["Ops:Programs:web:Health:Tcp"] = "x:1",
        });

        var error = Assert.Single(settings.Errors);
        Assert.Equal("Ops:Programs:web:Health", error.Path);
    }

    [Fact]
    public void Read_ArgsAsString_RefusedWithTheFix()
    {
        var settings = Read(new()
        {
            ["Ops:Programs:web:Command"] = "/usr/bin/web",
            ["Ops:Programs:web:Args"] = "--port 80",
        });

        Assert.Equal("Ops:Programs:web:Args: must be a list, e.g. [\"--port 80\"]", Assert.Single(settings.Errors).ToString());
    }

    [Fact]
    public void Read_UnknownTopLevelKey_Reported()
    {
        var settings = Read(new() { ["Ops:Programz:web:Command"] = "x" });

        Assert.Contains(settings.Errors, e => e.Path == "Ops:Programz" && e.Message.Contains("did you mean 'Programs'", StringComparison.Ordinal));
    }

    private static OpsSettings Read(Dictionary<string, string?> values) =>
        OpsConfigReader.Read(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
}
