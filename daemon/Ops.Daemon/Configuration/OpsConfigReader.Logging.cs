using System.Text.Json;
using Serilog.Events;

namespace Ops.Daemon.Configuration;

/// <summary>Ops:Logging (levels, console, file, Seq, child output) and the Seq keys of a program's Log section.</summary>
public static partial class OpsConfigReader
{
    private const int MaxBufferLines = 1_000_000;
    private const long MaxBufferSizeLimitMB = 1024 * 1024;
    private const string Off = "Off";
    private const string LevelHint = "write one level for both streams or { \"Stdout\": \"Information\", \"Stderr\": \"Warning\" }";

    private static OpsSettings ReadLogging(SectionReader? logging, OpsSettings settings)
    {
        if (logging is null)
        {
            return settings;
        }

        settings = settings with
        {
            LogLevel = logging.Enum("Level", LogEventLevel.Information),
            LogToConsole = logging.Bool("Console", true),
            LogToFile = logging.Bool("File", true),
            Seq = ReadSeq(logging.Child("Seq")),
            ChildOutput = ReadChildOutput(logging.Child("ChildOutput")),
        };
        logging.Finish();
        return settings;
    }

    private static SeqSettings? ReadSeq(SectionReader? seq)
    {
        if (seq is null)
        {
            return null;
        }

        var url = seq.RequiredString("ServerUrl", "set the base URL of the Seq server, e.g. http://seq.example:5341");
        if (url is not null && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            seq.Error("ServerUrl", $"'{SecretScanner.WithoutUserInfo(url)}' is not an http:// or https:// URL, e.g. http://seq.example:5341");
            url = null;
        }

        // The key itself is never echoed in an error: errors are printed and logged.
        var apiKey = seq.String("ApiKey");
        if (apiKey is not null && apiKey.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            seq.Error("ApiKey", "must not contain spaces or line breaks (the value is not shown); copy the key from Seq's API keys page");
            apiKey = null;
        }

        var settings = new SeqSettings
        {
            ServerUrl = url ?? string.Empty,
            ApiKey = apiKey,
            BufferSizeLimitBytes = seq.Long("BufferSizeLimitMB", SeqSettings.DefaultBufferSizeLimitMB, 1, MaxBufferSizeLimitMB) * 1024 * 1024,
            Period = seq.Duration("Period", SeqSettings.DefaultPeriod, allowZero: false, DurationLimits.Poll),
        };
        seq.Finish();
        return url is null ? null : settings;
    }

    private static ChildOutputSettings ReadChildOutput(SectionReader? output)
    {
        var defaults = ChildOutputSettings.Default;
        if (output is null)
        {
            return defaults;
        }

        var settings = new ChildOutputSettings(
            output.Int("BufferLines", defaults.BufferLines, 1, MaxBufferLines),
            output.Duration("DropReportInterval", defaults.DropReportInterval, allowZero: false, DurationLimits.Timer));
        output.Finish();
        return settings;
    }

    /// <summary>
    /// Log:ToSeq and Log:Level of one program, read with the rest of its Log section (see ReadLog), so that the
    /// program and its Seq shipping come out of one pass over Ops:Programs.
    /// </summary>
    private static ProgramLogSettings ReadProgramLog(SectionReader r)
    {
        var defaults = ProgramLogSettings.Default;
        var toSeq = r.Bool("ToSeq", defaults.ToSeq);
        if (!r.Exists("Level"))
        {
            return defaults with { ToSeq = toSeq };
        }

        if (!r.HasChildren("Level") && r.Kinds?.Kind(r.Path + ":Level") is not JsonValueKind.Object)
        {
            var both = ReadOutputLevel(r, "Level", defaults.Stdout);
            return new ProgramLogSettings(toSeq, both, both);
        }

        var streams = r.Child("Level");
        if (streams is null)
        {
            return defaults with { ToSeq = toSeq };
        }

        var settings = new ProgramLogSettings(
            toSeq,
            ReadOutputLevel(streams, "Stdout", defaults.Stdout),
            ReadOutputLevel(streams, "Stderr", defaults.Stderr));
        streams.Finish();
        return settings;
    }

    /// <summary>A Serilog level name, or Off (null: lines of that stream are not shipped).</summary>
    private static LogEventLevel? ReadOutputLevel(SectionReader r, string key, LogEventLevel? fallback)
    {
        var text = r.String(key);
        if (text is null)
        {
            return fallback;
        }

        if (text.Equals(Off, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (!int.TryParse(text, out _) && Enum.TryParse<LogEventLevel>(text, ignoreCase: true, out var level))
        {
            return level;
        }

        r.Error(key, $"'{text}' is not one of {string.Join(", ", Enum.GetNames<LogEventLevel>())}, {Off}; {LevelHint}");
        return fallback;
    }
}
