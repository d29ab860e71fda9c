using System.Text.Json;
using Ops.Supervision;

namespace Ops.Daemon.Configuration;

/// <summary>
/// Turns the <c>Ops</c> configuration section into <see cref="OpsSettings"/>, collecting every error with its key
/// path. One reader, called by <see cref="ConfigLoad"/> for run, validate, reload and service install.
/// </summary>
public static partial class OpsConfigReader
{
    /// <summary>Reads and validates; the result's Errors lists every problem found.</summary>
    public static OpsSettings Read(IConfiguration configuration, string? configPath = null)
    {
        var errors = new List<ConfigError>();
        var settings = new OpsSettings { ConfigPath = configPath };
        var baseDirectory = configPath is null ? Directory.GetCurrentDirectory() : Path.GetDirectoryName(Path.GetFullPath(configPath))!;

        var kinds = JsonKinds.Of(configuration);
        var ops = CheckRoot(configuration, kinds, errors)
            ? new SectionReader(configuration.GetSection("Ops"), errors, kinds)
            : new SectionReader(new ConfigurationRoot([]).GetSection("Ops"), errors);
        settings = ReadHost(ops.Child("Host"), settings, baseDirectory);
        settings = ReadLogging(ops.Child("Logging"), settings);
        var programs = ops.Entries("Programs", "\"web\": { \"Command\": \"/usr/bin/web\" }").ToList();
        settings = settings with
        {
            ProgramEntries = ReadPrograms(ops, programs, configuration.GetSection("Ops:Programs"), baseDirectory, errors),
            Secrets = SecretScanner.Find(configuration),
        };
        settings = ReadJobs(ops, settings, baseDirectory);
        settings = ReadSecurity(ops, settings, errors);
        ops.Finish();
        CheckShutdownBudget(settings, errors);

        return settings with { Errors = errors };
    }

    /// <summary>
    /// opsd reads only the Ops section: anything else at the root is a mistake, most likely a misspelt Ops.
    /// False when Ops is not an object (then nothing under it is read).
    /// </summary>
    private static bool CheckRoot(IConfiguration configuration, JsonKinds? kinds, List<ConfigError> errors)
    {
        foreach (var key in configuration.GetChildren().Select(c => c.Key).Where(k => !k.Equals("Ops", StringComparison.OrdinalIgnoreCase)))
        {
            var hint = SectionReader.Closest(key, ["Ops"]) is null ? string.Empty : " did you mean 'Ops'?";
            errors.Add(new ConfigError(key, $"unknown key '{key}' at the root of the file;{hint} opsd reads only the \"Ops\" section"));
        }

        if (kinds?.Kind("Ops") is { } kind && kind is not (JsonValueKind.Object or JsonValueKind.Null)
            || !string.IsNullOrEmpty(configuration.GetSection("Ops").Value))
        {
            errors.Add(new ConfigError("Ops", "must be an object: { \"Ops\": { \"Programs\": { ... } } }"));
            return false;
        }

        return true;
    }

    /// <summary>
    /// The host waits this long for everything to stop (HostOptions, Hangfire, systemd's TimeoutStopSec), so each
    /// StopTimeout being within its limit is not enough: their sum over the dependency levels must be too.
    /// </summary>
    private static void CheckShutdownBudget(OpsSettings settings, List<ConfigError> errors)
    {
        // With errors the dependency graph may be incomplete; those errors come first.
        if (errors.Count > 0)
        {
            return;
        }

        var shutdown = ShutdownBudget.Of(settings);
        var budget = shutdown.HostShutdownTimeout;
        if (budget > DurationLimits.ShutdownBudget.Value)
        {
            errors.Add(new ConfigError(
                "Ops:Programs",
                $"stopping everything may take {Duration.Format(budget)} (the longest StopTimeout {Duration.Format(shutdown.LongestProgramStopTimeout)} x {shutdown.StopLevels} dependency level(s), plus a margin), longer than the most opsd can wait ({DurationLimits.ShutdownBudget.Text}); shorten StopTimeout or DependsOn chains"));
        }
    }

    private static OpsSettings ReadHost(SectionReader? host, OpsSettings settings, string baseDirectory)
    {
        var defaults = DefaultDirectories();
        if (host is null)
        {
            return settings with { StateDirectory = defaults.State, LogDirectory = defaults.Log };
        }

        settings = settings with
        {
            HostName = host.String("Name") ?? settings.HostName,
            Urls = host.Exists("Urls") ? ReadUrls(host) : settings.Urls,
            StateDirectory = Resolve(host.String("StateDirectory"), baseDirectory) ?? defaults.State,
            LogDirectory = Resolve(host.String("LogDirectory"), baseDirectory) ?? defaults.Log,
        };
        host.Finish();
        return settings;
    }

    private static List<string> ReadUrls(SectionReader host)
    {
        // Urls may be "http://a;http://b" (ASP.NET's form) or a list.
        var list = host.Exists("Urls") && host.String("Urls") is { } text
            ? text.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList()
            : host.StringList("Urls");
        var urls = new List<string>();
        foreach (var url in list)
        {
            if (!Uri.TryCreate(url.Replace("*", "0.0.0.0", StringComparison.Ordinal).Replace("+", "0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri)
                || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                host.Error("Urls", $"'{url}' is not an http:// or https:// URL, e.g. {OpsSettings.DefaultUrl}");
                continue;
            }

            urls.Add(url);
        }

        return urls.Count == 0 ? [OpsSettings.DefaultUrl] : urls;
    }

    /// <summary>root: /var/lib/opsd and /var/log/opsd; others: $XDG_STATE_HOME/opsd (~/.local/state/opsd).</summary>
    private static (string State, string Log) DefaultDirectories()
    {
        if (Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root")
        {
            return ("/var/lib/opsd", "/var/log/opsd");
        }

        var stateHome = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        if (string.IsNullOrEmpty(stateHome))
        {
            stateHome = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state");
        }

        var state = Path.Combine(stateHome, "opsd");
        return (state, Path.Combine(state, "log"));
    }

    /// <summary>Relative paths in a config file are relative to that file, not to wherever opsd was started.</summary>
    private static string? Resolve(string? path, string baseDirectory) =>
        path is null ? null : Path.GetFullPath(Path.Combine(baseDirectory, path));

    /// <summary>
    /// Where a program or task runs and what it runs, with relative paths taken from the config file's folder as
    /// the README promises: a relative WorkingDirectory is the file's folder joined with it; a relative Command path
    /// (one with a '/') runs from the WorkingDirectory, where the child will be, and without one it too is taken
    /// from the file's folder. A bare name stays a name, searched on PATH at launch.
    /// </summary>
    private static (string? WorkingDirectory, string Command) ResolveLaunchPaths(string? workingDirectory, string command, string baseDirectory)
    {
        var directory = Resolve(workingDirectory, baseDirectory);
        var resolved = directory is null && command.Contains('/', StringComparison.Ordinal) && !Path.IsPathRooted(command)
            ? Path.GetFullPath(command, baseDirectory)
            : command;
        return (directory, resolved);
    }

    /// <summary>Start levels of the programs (validation has already rejected cycles).</summary>
    internal static DependencyOrderResult Order(IEnumerable<Supervision.Specs.ProgramSpec> programs) =>
        DependencyOrder.Compute(programs.ToDictionary(p => p.Name, p => p.DependsOn, StringComparer.Ordinal));
}
