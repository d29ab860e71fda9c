using System.Text.RegularExpressions;
using Ops.Supervision.Specs;

namespace Ops.Daemon.Configuration;

public static partial class OpsConfigReader
{
    private const int MaxInstances = 1000;

    private const string ProgramExample = "{ \"Command\": \"/usr/bin/web\" }";

    // \z, not $: $ also matches before a final newline, and "web\n" would pass as a name.
    [GeneratedRegex(@"^[a-z0-9][a-z0-9_-]*\z")]
    private static partial Regex NamePattern();

    private static List<ProgramEntry> ReadPrograms(SectionReader ops, List<IConfigurationSection> entries, IConfigurationSection programsSection, string baseDirectory, List<ConfigError> errors)
    {
        var programs = new List<ProgramEntry>();
        foreach (var section in entries)
        {
            if (!NamePattern().IsMatch(section.Key))
            {
                errors.Add(new ConfigError(section.Path, $"program names must match [a-z0-9][a-z0-9_-]* (lowercase letters, digits, '-', '_'); rename '{section.Key}'"));
                continue;
            }

            if (section.Key == "all")
            {
                errors.Add(new ConfigError(section.Path, "'all' is reserved: it targets every program in commands; rename the program"));
                continue;
            }

            if (!ops.IsObjectEntry(section, ProgramExample))
            {
                continue;
            }

            // Kept even when it has errors, so that its DependsOn is checked too.
            programs.Add(ReadProgram(ops.For(section), section.Key, baseDirectory));
        }

        CheckDependencies([.. programs.Select(p => p.Spec)], programsSection, errors);
        return programs;
    }

    private static ProgramEntry ReadProgram(SectionReader r, string name, string baseDirectory)
    {
        var command = r.RequiredString("Command", "set the executable path or a name on PATH, e.g. \"/usr/bin/python3\"");
        var (workingDirectory, resolvedCommand) = ResolveLaunchPaths(r.String("WorkingDirectory"), command ?? string.Empty, baseDirectory);
        var defaults = new ProgramSpec { Name = name, Command = resolvedCommand };
        var environment = ReadEnvironment(r);
        var log = r.Child("Log");

        var spec = defaults with
        {
            Args = r.StringList("Args"),
            WorkingDirectory = workingDirectory,
            Environment = environment,
            User = r.String("User"),
            Instances = r.Int("Instances", defaults.Instances, 1, MaxInstances),
            AutoStart = r.Bool("AutoStart", defaults.AutoStart),
            Restart = r.Enum("Restart", defaults.Restart),
            SuccessExitCodes = r.Exists("SuccessExitCodes") ? r.IntList("SuccessExitCodes", 0, 255) : defaults.SuccessExitCodes,
            StartSeconds = r.Seconds("StartSeconds", defaults.StartSeconds, DurationLimits.Timer),
            MaxRestarts = r.Int("MaxRestarts", defaults.MaxRestarts, 0, int.MaxValue),
            RestartWindow = r.Duration("RestartWindow", defaults.RestartWindow, allowZero: false, DurationLimits.Long),
            Backoff = ReadBackoff(r.Child("Backoff")),
            FatalRetryAfter = r.OptionalDuration("FatalRetryAfter", allowZero: false, DurationLimits.Long),
            StopSignal = r.Enum("StopSignal", defaults.StopSignal),
            StopTimeout = r.Duration("StopTimeout", defaults.StopTimeout, allowZero: false, DurationLimits.StopTimeout),
            MemoryLimitMB = r.Int("MemoryLimitMB", 0, 0, int.MaxValue),
            DependsOn = r.StringList("DependsOn"),
            Health = ReadHealth(r.Child("Health")),
            Log = ReadLog(log, out var seqLog),
        };
        r.Finish();
        return new ProgramEntry(spec, seqLog);
    }

    /// <summary>Environment of a program or task: names the launcher can put in an environment block.</summary>
    private static Dictionary<string, string> ReadEnvironment(SectionReader r)
    {
        var environment = r.Map("Environment");
        foreach (var key in environment.Keys.Where(k => k.Length == 0 || k.Contains('=', StringComparison.Ordinal)).ToList())
        {
            r.Error("Environment", $"variable name '{key}' must not be empty or contain '='");
            environment.Remove(key);
        }

        return environment;
    }

    private static BackoffPolicy ReadBackoff(SectionReader? r)
    {
        var defaults = BackoffPolicy.Default;
        if (r is null)
        {
            return defaults;
        }

        var initial = r.Duration("Initial", defaults.Initial, allowZero: true, DurationLimits.Timer);
        var max = r.Duration("Max", defaults.Max, allowZero: true, DurationLimits.Timer);
        if (max < initial)
        {
            r.Error("Max", $"must be at least Initial ({Duration.Format(initial)}), not {Duration.Format(max)}");
        }

        var policy = new BackoffPolicy(
            initial,
            max,
            r.Double("Multiplier", defaults.Multiplier, 1, 100, "between 1 and 100"),
            r.Double("Jitter", defaults.Jitter, 0, 0.99, "between 0 and 0.99 (a fraction of the delay)"));
        r.Finish();
        return policy;
    }

    private static HealthCheckSpec? ReadHealth(SectionReader? r)
    {
        if (r is null)
        {
            return null;
        }

        var http = r.String("Http");
        var tcp = r.String("Tcp");
        var command = r.StringList("Command");
        var kinds = (http is null ? 0 : 1) + (tcp is null ? 0 : 1) + (command.Count == 0 ? 0 : 1);
        if (kinds != 1)
        {
            r.ErrorHere("set exactly one of Http (a URL), Tcp (host:port) or Command (an argv list)");
        }

        if (http is not null && (!Uri.TryCreate(http.Replace("{instance}", "0", StringComparison.Ordinal), UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            r.Error("Http", $"'{http}' is not an http:// or https:// URL");
        }

        if (tcp is not null && !IsHostPort(tcp))
        {
            r.Error("Tcp", $"'{tcp}' is not host:port, e.g. 127.0.0.1:6379");
        }

        var spec = new HealthCheckSpec(
            http is not null ? HealthCheckKind.Http : tcp is not null ? HealthCheckKind.Tcp : HealthCheckKind.Command,
            http ?? tcp ?? string.Empty,
            command,
            r.Duration("Interval", TimeSpan.FromSeconds(10), allowZero: false, DurationLimits.Timer),
            r.Duration("Timeout", TimeSpan.FromSeconds(5), allowZero: false, DurationLimits.Probe),
            r.Int("FailureThreshold", 3, 1, 1000),
            r.Duration("StartGrace", TimeSpan.FromSeconds(5), allowZero: true, DurationLimits.Timer));
        r.Finish();
        return spec;
    }

    private static bool IsHostPort(string text)
    {
        var colon = text.LastIndexOf(':');
        return colon > 0
            && int.TryParse(text[(colon + 1)..].Replace("{instance}", "0", StringComparison.Ordinal), out var port)
            && port is > 0 and < 65536;
    }

    /// <summary>The Log section: the files' rotation for the supervisor, the Seq keys (ToSeq, Level) for the daemon.</summary>
    private static LogSpec ReadLog(SectionReader? r, out ProgramLogSettings seq)
    {
        var defaults = LogSpec.Default;
        if (r is null)
        {
            seq = ProgramLogSettings.Default;
            return defaults;
        }

        var spec = new LogSpec(
            r.Long("MaxFileBytes", defaults.MaxFileBytes, 1024, long.MaxValue),
            r.Int("MaxFiles", defaults.MaxFiles, 1, 1000));
        seq = ReadProgramLog(r);

        // Known even when absent, so that a misspelt key is told about them.
        r.Allow("ToSeq", "Level");
        r.Finish();
        return spec;
    }

    private static void CheckDependencies(List<ProgramSpec> programs, IConfigurationSection programsSection, List<ConfigError> errors)
    {
        var names = programs.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var program in programs)
        {
            var path = programsSection.GetSection(program.Name).GetSection("DependsOn").Path;
            foreach (var dependency in program.DependsOn)
            {
                if (dependency == program.Name)
                {
                    errors.Add(new ConfigError(path, $"'{program.Name}' cannot depend on itself"));
                }
                else if (!names.Contains(dependency))
                {
                    errors.Add(new ConfigError(path, $"'{dependency}' is not a configured program; known programs: {string.Join(", ", names.Order(StringComparer.Ordinal))}"));
                }
            }
        }

        var known = programs.Select(p => p with { DependsOn = [.. p.DependsOn.Where(d => names.Contains(d) && d != p.Name)] });
        if (Order(known).Cycle is { } cycle)
        {
            errors.Add(new ConfigError(programsSection.Path, $"DependsOn has a cycle: {string.Join(" -> ", cycle)}; remove one of these dependencies"));
        }
    }
}
