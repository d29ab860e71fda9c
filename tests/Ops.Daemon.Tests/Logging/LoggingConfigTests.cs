using Microsoft.Extensions.Configuration;
using Ops.Daemon.Configuration;
using Ops.Supervision.Os;
using Serilog.Events;

namespace Ops.Daemon.Tests.Logging;

/// <summary>Ops:Logging and the Seq keys of a program's Log section: values, defaults, and errors naming the key.</summary>
public sealed class LoggingConfigTests
{
    private const string ApiKey = "k3y-that-must-not-show";

    [Fact]
    public void Read_SeqSection_MapsEveryKey()
    {
        var settings = Read(new()
        {
            ["Ops:Logging:Level"] = "Warning",
            ["Ops:Logging:Seq:ServerUrl"] = "https://seq.example:5341",
            ["Ops:Logging:Seq:ApiKey"] = ApiKey,
            ["Ops:Logging:Seq:BufferSizeLimitMB"] = "256",
            ["Ops:Logging:Seq:Period"] = "500ms",
            ["Ops:Logging:ChildOutput:BufferLines"] = "500",
            ["Ops:Logging:ChildOutput:DropReportInterval"] = "1m",
        });

        Assert.Empty(settings.Errors);
        Assert.Equal(LogEventLevel.Warning, settings.LogLevel);
        var seq = Assert.IsType<SeqSettings>(settings.Seq);
        Assert.Equal(("https://seq.example:5341", ApiKey, 256L * 1024 * 1024, TimeSpan.FromMilliseconds(500)), (seq.ServerUrl, seq.ApiKey, seq.BufferSizeLimitBytes, seq.Period));
        Assert.Equal(new ChildOutputSettings(500, TimeSpan.FromMinutes(1)), settings.ChildOutput);
        Assert.Contains(ApiKey, settings.Secrets);
        Assert.DoesNotContain(ApiKey, seq.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Read_NoSeqSection_ShipsNothingWithDefaults()
    {
        var settings = Read(new() { ["Ops:Logging:Level"] = "Information" });

        Assert.Empty(settings.Errors);
        Assert.Null(settings.Seq);
        Assert.Equal(ChildOutputSettings.Default, settings.ChildOutput);
    }

    [Fact]
    public void Read_SeqDefaults_AreAGigabyteAndTwoSeconds()
    {
        var seq = Read(new() { ["Ops:Logging:Seq:ServerUrl"] = "http://seq:5341" }).Seq!;

        Assert.Equal((1024L * 1024 * 1024, TimeSpan.FromSeconds(2), null), (seq.BufferSizeLimitBytes, seq.Period, seq.ApiKey));
    }

    [Theory]
    [InlineData("Ops:Logging:Seq:ApiKey", "key-without-url", "Ops:Logging:Seq:ServerUrl", "is required")]
    [InlineData("Ops:Logging:Seq:ServerUrl", "seq.example:5341", "Ops:Logging:Seq:ServerUrl", "is not an http:// or https:// URL")]
    [InlineData("Ops:Logging:Seq:BufferSizeLimitMB", "0", "Ops:Logging:Seq:BufferSizeLimitMB", "must be between 1 and")]
    [InlineData("Ops:Logging:Seq:Period", "0s", "Ops:Logging:Seq:Period", "must be positive")]
    [InlineData("Ops:Logging:Seq:SeverUrl", "http://seq", "Ops:Logging:Seq:SeverUrl", "did you mean 'ServerUrl'?")]
    [InlineData("Ops:Logging:ChildOutput:BufferLines", "0", "Ops:Logging:ChildOutput:BufferLines", "must be between 1 and 1000000")]
    [InlineData("Ops:Logging:ChildOutput:DropReportIntervall", "1s", "Ops:Logging:ChildOutput:DropReportIntervall", "did you mean 'DropReportInterval'?")]
    public void Read_BadLoggingKey_ErrorNamesThePath(string key, string value, string path, string message)
    {
        var values = new Dictionary<string, string?> { [key] = value };
        if (!key.EndsWith("ServerUrl", StringComparison.Ordinal) && !key.EndsWith("ApiKey", StringComparison.Ordinal) && key.Contains(":Seq:", StringComparison.Ordinal))
        {
            values["Ops:Logging:Seq:ServerUrl"] = "http://seq:5341";
        }

        var error = Assert.Single(Read(values).Errors);
        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_BadApiKey_ErrorNeverShowsTheKey()
    {
        var settings = Read(new()
        {
            ["Ops:Logging:Seq:ServerUrl"] = "http://user:pa55word@seq",
            ["Ops:Logging:Seq:ApiKey"] = ApiKey + " \n",
        });

        var error = Assert.Single(settings.Errors);
        Assert.Equal("Ops:Logging:Seq:ApiKey", error.Path);
        Assert.DoesNotContain(ApiKey, error.ToString(), StringComparison.Ordinal);
        Assert.Contains("pa55word", settings.Secrets);
    }

    [Fact]
    public void Read_BadServerUrlWithPassword_ErrorHidesThePassword()
    {
        var error = Assert.Single(Read(new() { ["Ops:Logging:Seq:ServerUrl"] = "ftp://user:pa55word@seq" }).Errors);

        Assert.DoesNotContain("pa55word", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_ProgramWithoutLogSection_ShipsStdoutAtInformationAndStderrAtWarning()
    {
        var log = Read(Program()).ProgramEntries.Single(p => p.Spec.Name == "web").Log;

        Assert.Equal(ProgramLogSettings.Default, log);
        Assert.Equal((LogEventLevel.Information, LogEventLevel.Warning), (log.LevelOf(OutputStream.Stdout), log.LevelOf(OutputStream.Stderr)));
    }

    [Theory]
    [InlineData("Error", LogEventLevel.Error, LogEventLevel.Error)]
    [InlineData("debug", LogEventLevel.Debug, LogEventLevel.Debug)]
    [InlineData("Off", null, null)]
    public void Read_OneLogLevel_AppliesToBothStreams(string level, LogEventLevel? stdout, LogEventLevel? stderr)
    {
        var settings = Read(Program(("Log:Level", level)));

        Assert.Empty(settings.Errors);
        Assert.Equal(new ProgramLogSettings(true, stdout, stderr), settings.ProgramEntries.Single(p => p.Spec.Name == "web").Log);
    }

    [Fact]
    public void Read_LogLevelPerStream_AndToSeq_AreRead()
    {
        var settings = Read(Program(("Log:Level:Stdout", "Off"), ("Log:Level:Stderr", "Error"), ("Log:ToSeq", "false"), ("Log:MaxFiles", "3")));

        Assert.Empty(settings.Errors);
        Assert.Equal(new ProgramLogSettings(false, null, LogEventLevel.Error), settings.ProgramEntries.Single(p => p.Spec.Name == "web").Log);
        Assert.Equal(3, settings.Programs.Single().Log.MaxFiles);
    }

    [Theory]
    [InlineData("Log:Level", "Loud", "Ops:Programs:web:Log:Level", "'Loud' is not one of Verbose, Debug, Information, Warning, Error, Fatal, Off")]
    [InlineData("Log:Level", "3", "Ops:Programs:web:Log:Level", "is not one of")]
    [InlineData("Log:Level:Stdrr", "Error", "Ops:Programs:web:Log:Level:Stdrr", "did you mean 'Stderr'?")]
    [InlineData("Log:Level:Stderr", "Noisy", "Ops:Programs:web:Log:Level:Stderr", "\"Stderr\": \"Warning\"")]
    [InlineData("Log:ToSeq", "sometimes", "Ops:Programs:web:Log:ToSeq", "is not true or false")]
    public void Read_BadProgramLogKey_ErrorNamesThePath(string key, string value, string path, string message)
    {
        var error = Assert.Single(Read(Program((key, value))).Errors);

        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_PasswordsAnywhere_BecomeSecrets()
    {
        var settings = Read(Program(
            ("Environment:DB_PASSWORD", "hunter2-db"),
            ("Environment:GITHUB_TOKEN", "ghp_abcdef"),
            ("Environment:TOKEN_LIFETIME", "01:00:00"),
            ("Environment:MODE", "prod"),
            ("Environment:DSN", "Host=db;Username=app;Password=pg-secret;Database=ops"),
            ("Environment:UPSTREAM", "https://bot:url-pass@api.example/")));

        Assert.Equal(["ghp_abcdef", "hunter2-db", "pg-secret", "url-pass"], settings.Secrets.Order(StringComparer.Ordinal));
        Assert.DoesNotContain("01:00:00", settings.Secrets);
        Assert.DoesNotContain("prod", settings.Secrets);
    }

    private static Dictionary<string, string?> Program(params (string Key, string Value)[] keys)
    {
        var values = new Dictionary<string, string?> { ["Ops:Programs:web:Command"] = "/usr/bin/web" };
        foreach (var (key, value) in keys)
        {
            values[$"Ops:Programs:web:{key}"] = value;
        }

        return values;
    }

    private static OpsSettings Read(Dictionary<string, string?> values) =>
        OpsConfigReader.Read(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
}
