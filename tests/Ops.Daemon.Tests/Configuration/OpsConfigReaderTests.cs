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

    [Fact]
    public void Read_TaskConfigErrors_EachNamedWithItsKeyPath()
    {
        var settings = Read(new()
        {
            ["Ops:Queues:cpu:Workers"] = "2",
            ["Ops:Queues:Bad Queue:Workers"] = "2",
            ["Ops:Queues:cpu:Prefetch"] = "-1",
            ["Ops:Tasks:backup:Command"] = "/usr/bin/backup",
            ["Ops:Tasks:backup:Queue"] = "disk",
            ["Ops:Tasks:backup:Cron"] = "every night",
            ["Ops:Tasks:backup:TimeZone"] = "Mars/Olympus",
            ["Ops:Tasks:backup:RetryDelays:0"] = "soon",
            ["Ops:Tasks:backup:Retries"] = "-1",
            ["Ops:Storage:Provider"] = "PostgreSql",
            ["Ops:Storage:ConnectionString"] = "Host=db;Password=hunter2;Bogus Key=1",
        });

        string Error(string path) => Assert.Single(settings.Errors, e => e.Path == path).Message;
        Assert.Contains("'disk' is not a declared queue", Error("Ops:Tasks:backup:Queue"), StringComparison.Ordinal);
        Assert.Contains("is not a cron expression", Error("Ops:Tasks:backup:Cron"), StringComparison.Ordinal);
        Assert.Contains("not a known time zone", Error("Ops:Tasks:backup:TimeZone"), StringComparison.Ordinal);
        Assert.Contains("'soon' is not a duration", Error("Ops:Tasks:backup:RetryDelays"), StringComparison.Ordinal);
        Assert.Contains("must be between 0 and 100", Error("Ops:Tasks:backup:Retries"), StringComparison.Ordinal);
        Assert.Contains("queue names must match", Error("Ops:Queues:Bad Queue"), StringComparison.Ordinal);
        Assert.Contains("must be between 0 and 256", Error("Ops:Queues:cpu:Prefetch"), StringComparison.Ordinal);
        Assert.Contains("is not a valid PostgreSQL connection string", Error("Ops:Storage:ConnectionString"), StringComparison.Ordinal);
        Assert.DoesNotContain(settings.Errors, e => e.Message.Contains("hunter2", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_TasksAndQueues_MapToSpecs()
    {
        var settings = Read(new()
        {
            ["Ops:Queues:cpu:Workers"] = "2",
            ["Ops:Queues:cpu:Capacity"] = "50",
            ["Ops:Queues:io:Workers"] = "8",
            ["Ops:Queues:io:Prefetch"] = "0",
            ["Ops:Tasks:resize:Command"] = "/usr/bin/convert",
            ["Ops:Tasks:resize:Queue"] = "cpu",
            ["Ops:Tasks:resize:Timeout"] = "2m",
            ["Ops:Tasks:resize:Retries"] = "1",
            ["Ops:Tasks:resize:RetryDelays:0"] = "5s",
            ["Ops:Tasks:resize:Cron"] = "0 3 * * *",
            ["Ops:Tasks:resize:TimeZone"] = "Europe/Berlin",
            ["Ops:Tasks:resize:AllowArgs"] = "true",
            ["Ops:Tasks:resize:Concurrency"] = "4",
        });

        Assert.Empty(settings.Errors);
        Assert.Equal(2, settings.Queues.Count);
        var queue = settings.Queues.Single(q => q.Name == "cpu");
        Assert.Equal(("cpu", 2, 50, 2), (queue.Name, queue.Workers, queue.Capacity, queue.PrefetchCount));
        Assert.Equal(0, settings.Queues.Single(q => q.Name == "io").PrefetchCount);
        var task = Assert.Single(settings.Tasks);
        Assert.Equal(("cpu", TimeSpan.FromMinutes(2), 1, "0 3 * * *", "Europe/Berlin", true, 4), (task.Queue, task.Timeout, task.Retries, task.Cron, task.TimeZone, task.AllowArgs, task.Concurrency));
        Assert.Equal([TimeSpan.FromSeconds(5)], task.RetryDelays);
    }

    private static OpsSettings Read(Dictionary<string, string?> values) =>
        OpsConfigReader.Read(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
}
