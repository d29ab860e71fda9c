using Ops.Daemon.Configuration;

namespace Ops.Daemon.Tests.Configuration;

/// <summary>Values at and past the edges of what opsd can run, read from a real file as opsd reads it.</summary>
public sealed class ConfigEdgeTests : IDisposable
{
    private const string Hash = "712a45f8aa6a0b9b5f3a58f4d0b6d2b8e2f3f3c1f0e9d8c7b6a5948372615041";
    private readonly string _directory = Directory.CreateTempSubdirectory("opsd-edge-").FullName;

    [Theory]
    [InlineData($$"""{ "Ops": { "Security": { "Tokens": [ { "Name": "a", "Sha256": "{{Hash}}\n", "Role": "Admin" } ] } } }""", "Ops:Security:Tokens:0:Sha256")]
    [InlineData("""{ "Ops": { "Programs": { "web\n": { "Command": "/bin/true" } } } }""", "Ops:Programs:web\\n")]
    [InlineData("""{ "Ops": { "Tasks": { "job\n": { "Command": "/bin/true" } } } }""", "Ops:Tasks:job\\n")]
    [InlineData("""{ "Ops": { "Queues": { "cpu\n": { "Workers": 1 } } } }""", "Ops:Queues:cpu\\n")]
    [InlineData("""{ "Ops": { "Storage": { "Schema": "ops\n" } } }""", "Ops:Storage:Schema")]
    public void Read_NameOrHashEndingInNewline_Refused(string json, string path)
    {
        var settings = Read(json);

        Assert.Contains(settings.Errors, e => e.Path == path);
    }

    [Theory]
    [InlineData("Programs", "\"StopTimeout\": \"50d\"", "Ops:Programs:web:StopTimeout", "50d is longer than the most opsd can wait (1d)")]
    [InlineData("Programs", "\"StartSeconds\": \"50d\"", "Ops:Programs:web:StartSeconds", "(1d)")]
    [InlineData("Programs", "\"StartSeconds\": 5000000", "Ops:Programs:web:StartSeconds", "(1d)")]
    [InlineData("Programs", "\"RestartWindow\": \"60d\"", "Ops:Programs:web:RestartWindow", "(7d)")]
    [InlineData("Programs", "\"FatalRetryAfter\": \"50d\"", "Ops:Programs:web:FatalRetryAfter", "(7d)")]
    [InlineData("Programs", "\"Backoff\": { \"Initial\": \"50d\", \"Max\": \"50d\" }", "Ops:Programs:web:Backoff:Initial", "(1d)")]
    [InlineData("Programs", "\"Backoff\": { \"Max\": \"50d\" }", "Ops:Programs:web:Backoff:Max", "(1d)")]
    [InlineData("Programs", "\"Health\": { \"Tcp\": \"127.0.0.1:1\", \"Interval\": \"50d\" }", "Ops:Programs:web:Health:Interval", "(1d)")]
    [InlineData("Programs", "\"Health\": { \"Tcp\": \"127.0.0.1:1\", \"Timeout\": \"60d\" }", "Ops:Programs:web:Health:Timeout", "(1h)")]
    [InlineData("Programs", "\"Health\": { \"Tcp\": \"127.0.0.1:1\", \"StartGrace\": \"50d\" }", "Ops:Programs:web:Health:StartGrace", "(1d)")]
    [InlineData("Tasks", "\"StopTimeout\": \"60d\"", "Ops:Tasks:web:StopTimeout", "(1d)")]
    [InlineData("Tasks", "\"Timeout\": \"60d\"", "Ops:Tasks:web:Timeout", "(7d)")]
    [InlineData("Tasks", "\"RetryDelays\": [ \"1s\", \"60d\" ]", "Ops:Tasks:web:RetryDelays:1", "(7d)")]
    public void Read_DurationPastWhatOpsdCanWait_RefusedNamingTheMaximum(string section, string keys, string path, string message)
    {
        var settings = Read($$"""{ "Ops": { "{{section}}": { "web": { "Command": "/bin/true", {{keys}} } } } }""");

        var error = Assert.Single(settings.Errors, e => e.Path == path);
        Assert.Contains("longer than the most opsd can wait", error.Message, StringComparison.Ordinal);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"InvisibilityTimeout\": \"60d\"", "Ops:Storage:InvisibilityTimeout")]
    [InlineData("\"PollInterval\": \"2h\"", "Ops:Storage:PollInterval")]
    [InlineData("\"HostTimeout\": \"60d\"", "Ops:Storage:HostTimeout")]
    public void Read_StorageDurationPastItsMaximum_Refused(string keys, string path)
    {
        var settings = Read($$"""{ "Ops": { "Storage": { {{keys}} } } }""");

        Assert.Contains(settings.Errors, e => e.Path == path && e.Message.Contains("longer than the most opsd can wait", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("\"StopTimeout\": \"1e300s\"")]
    [InlineData("\"StopTimeout\": \"99999999999d\"")]
    [InlineData("\"StopTimeout\": \"10675200d\"")]
    [InlineData("\"StopTimeout\": \"-1e300s\"")]
    [InlineData("\"StartSeconds\": 1e20")]
    [InlineData("\"StartSeconds\": -1e20")]
    [InlineData("\"StartSeconds\": \"1e300d\"")]
    public void Read_DurationPastTimeSpan_AnErrorNotAnOverflow(string keys)
    {
        var settings = Read($$"""{ "Ops": { "Programs": { "web": { "Command": "/bin/true", {{keys}} } } } }""");

        Assert.Single(settings.Errors, e => e.Path.StartsWith("Ops:Programs:web:", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_ShutdownBudgetPastItsMaximum_RefusedNamingTheSum()
    {
        // Eight levels of 1d each: every StopTimeout is allowed, their sum is not.
        var programs = string.Join(", ", Enumerable.Range(0, 8).Select(i =>
            $$"""
            "p{{i}}": { "Command": "/bin/true", "StopTimeout": "1d"{{(i == 0 ? string.Empty : $", \"DependsOn\": [ \"p{i - 1}\" ]")}} }
            """));

        var settings = Read($$"""{ "Ops": { "Programs": { {{programs}} } } }""");

        var error = Assert.Single(settings.Errors);
        Assert.Equal("Ops:Programs", error.Path);
        Assert.Contains("8 dependency level(s)", error.Message, StringComparison.Ordinal);
        Assert.Contains("(7d)", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"Cron\": \"H * * * *\"", "Ops:Tasks:t:Cron")]
    [InlineData("\"Cron\": \"H H * * *\"", "Ops:Tasks:t:Cron")]
    [InlineData("\"Cron\": \"0 3 * * *\", \"TimeZone\": \"Europe\"", "Ops:Tasks:t:TimeZone")]
    [InlineData("\"Cron\": \"0 3 * * *\", \"TimeZone\": \"Etc\"", "Ops:Tasks:t:TimeZone")]
    [InlineData("\"Cron\": \"0 3 * * *\", \"TimeZone\": \"../../../../etc/passwd\"", "Ops:Tasks:t:TimeZone")]
    [InlineData("\"Cron\": \"0 3 * * *\", \"TimeZone\": \"Europe/Berlin\\u0000\"", "Ops:Tasks:t:TimeZone")]
    [InlineData("\"WorkingDirectory\": \"/tmp\\u0000x\"", "Ops:Tasks:t:WorkingDirectory")]
    [InlineData("\"Args\": [ \"a\\u0000b\" ]", "Ops:Tasks:t:Args:0")]
    [InlineData("\"Environment\": { \"A\": \"a\\u0000b\" }", "Ops:Tasks:t:Environment:A")]
    [InlineData("\"Environment\": { \"A=B\": \"x\" }", "Ops:Tasks:t:Environment")]
    public void Read_TaskValueTheDaemonCannotUse_AnErrorNotAnException(string keys, string path)
    {
        var settings = Read($$"""{ "Ops": { "Tasks": { "t": { "Command": "/bin/true", {{keys}} } } } }""");

        Assert.Contains(settings.Errors, e => e.Path == path);
    }

    [Theory]
    [InlineData("""{ "Ops": { "Host": { "StateDirectory": "/tmp/a\u0000b" } } }""", "Ops:Host:StateDirectory")]
    [InlineData("""{ "Ops": { "Host": { "LogDirectory": "log\u0000" } } }""", "Ops:Host:LogDirectory")]
    [InlineData("""{ "Ops": { "Programs": { "web": { "Command": "/bin/true\u0000" } } } }""", "Ops:Programs:web:Command")]
    public void Read_NulInAPath_AnErrorNotAnException(string json, string path)
    {
        var settings = Read(json);

        Assert.Contains(settings.Errors, e => e.Path == path && e.Message.Contains("NUL", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{ "Ops": { "Security": { "Tokens": "x" } } }""", "Ops:Security:Tokens")]
    [InlineData("""{ "Ops": { "Security": { "Tokens": {} } } }""", "Ops:Security:Tokens")]
    [InlineData("""{ "Ops": { "Security": { "Tokens": [ "x" ] } } }""", "Ops:Security:Tokens:0")]
    [InlineData("""{ "Ops": { "Security": "x" } }""", "Ops:Security")]
    [InlineData("""{ "Ops": { "Security": [] } }""", "Ops:Security")]
    [InlineData("""{ "Ops": { "Programs": "x" } }""", "Ops:Programs")]
    [InlineData("""{ "Ops": { "Programs": 5 } }""", "Ops:Programs")]
    [InlineData("""{ "Ops": { "Programs": true } }""", "Ops:Programs")]
    [InlineData("""{ "Ops": { "Programs": [] } }""", "Ops:Programs")]
    [InlineData("""{ "Ops": { "Programs": { "web": [] } } }""", "Ops:Programs:web")]
    [InlineData("""{ "Ops": { "Programs": { "web": "" } } }""", "Ops:Programs:web")]
    [InlineData("""{ "Ops": { "Programs": { "web": { "Command": "/bin/true", "Args": "" } } } }""", "Ops:Programs:web:Args")]
    [InlineData("""{ "Ops": { "Programs": { "web": { "Command": "/bin/true", "Args": {} } } } }""", "Ops:Programs:web:Args")]
    [InlineData("""{ "Ops": { "Programs": { "web": { "Command": "/bin/true", "Environment": [] } } } }""", "Ops:Programs:web:Environment")]
    [InlineData("""{ "Ops": { "Programs": { "web": { "Command": [] } } } }""", "Ops:Programs:web:Command")]
    [InlineData("""{ "Ops": { "Programs": { "web": { "Command": "/bin/true", "Instances": {} } } } }""", "Ops:Programs:web:Instances")]
    [InlineData("""{ "Ops": { "Programs": { "web": { "Command": "/bin/true", "Health": [] } } } }""", "Ops:Programs:web:Health")]
    [InlineData("""{ "Ops": { "Programs": { "web": { "Command": "/bin/true", "Log": { "Level": [] } } } } }""", "Ops:Programs:web:Log:Level")]
    [InlineData("""{ "Ops": { "Tasks": "x" } }""", "Ops:Tasks")]
    [InlineData("""{ "Ops": { "Tasks": { "t": 1 } } }""", "Ops:Tasks:t")]
    [InlineData("""{ "Ops": { "Queues": [] } }""", "Ops:Queues")]
    [InlineData("""{ "Ops": { "Host": [] } }""", "Ops:Host")]
    [InlineData("""{ "Ops": [] }""", "Ops")]
    [InlineData("""{ "Ops": "x" }""", "Ops")]
    [InlineData("""{ "Opps": { "Programs": { "web": { "Command": "/bin/true" } } } }""", "Opps")]
    [InlineData("""{ "Ops": {}, "Programs": {} }""", "Programs")]
    public void Read_SectionOfTheWrongKind_RefusedNotTakenAsEmpty(string json, string path)
    {
        var settings = Read(json);

        Assert.Contains(settings.Errors, e => e.Path == path);
    }

    [Fact]
    public void Read_MisspeltRoot_SuggestsOps()
    {
        var settings = Read("""{ "Opps": { "Programs": {} } }""");

        Assert.Contains("did you mean 'Ops'?", Assert.Single(settings.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ValueWithControlCharacters_EchoedEscapedOnOneLine()
    {
        var settings = Read("""{ "Ops": { "Programs": { "web": { "Command": "/bin/true", "Restart": "Al\nways\u001b[31m" }, "Bad\nName": { "Command": "/bin/true" } } } }""");

        Assert.Equal(2, settings.Errors.Count);
        Assert.All(settings.Errors, e => Assert.DoesNotContain(e.ToString(), c => char.IsControl(c)));
        Assert.Contains(settings.Errors, e => e.Message.Contains("'Al\\nways\\u001b[31m'", StringComparison.Ordinal));
        Assert.Contains(settings.Errors, e => e.Path == "Ops:Programs:Bad\\nName");
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private OpsSettings Read(string json)
    {
        var path = Path.Combine(_directory, $"{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        var configuration = ConfigSources.Load(path, out var error);
        Assert.Null(error);
        return OpsConfigReader.Read(configuration!, path);
    }
}
