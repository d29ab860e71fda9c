using Microsoft.Extensions.Configuration;
using Ops.Daemon.Configuration;
using Ops.Daemon.Hosting;
using Ops.Jobs.Specs;

namespace Ops.Daemon.Service;

/// <summary>Reads the config the service will run with and decides the unit's settings from it.</summary>
public static class UnitPlanner
{
    /// <summary>opsd's state directory when it runs as a system service and the config names none.</summary>
    public const string DefaultStateDirectory = "/var/lib/opsd";

    /// <summary>opsd's log directory when it runs as a system service and the config names none.</summary>
    public const string DefaultLogDirectory = "/var/log/opsd";

    /// <summary>The unit's settings, or null and every reason the config cannot be installed as it is.</summary>
    public static UnitSpec? Plan(ServiceRequest request, out IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(request);
        var problems = new List<string>();
        errors = problems;
        var file = request.OnThisMachine(request.ConfigPath);
        var configuration = ConfigSources.Load(file, out var loadError);
        if (configuration is null)
        {
            problems.Add(loadError?.ToString() ?? $"{file}: cannot be read");
            return null;
        }

        // Read with the target path, so relative directories in the file resolve as opsd will resolve them.
        var settings = OpsConfigReader.Read(configuration, request.ConfigPath);
        problems.AddRange(settings.Errors.Select(e => e.ToString()));
        if (request.User is not null)
        {
            var needRoot = settings.Programs.Where(p => p.User is not null).Select(p => p.Name).ToList();
            if (needRoot.Count > 0)
            {
                problems.Add($"--user {request.User}: program(s) {string.Join(", ", needRoot)} set User, which only an opsd running as root can honour; install without --user or remove their User");
            }
        }

        if (problems.Count > 0)
        {
            return null;
        }

        var stateGiven = IsSet(configuration, "Ops:Host:StateDirectory");
        var logGiven = IsSet(configuration, "Ops:Host:LogDirectory");
        return new UnitSpec
        {
            ExecStart = request.ExecStart,
            ConfigPath = request.ConfigPath,
            User = request.User,
            StateDirectory = stateGiven ? settings.StateDirectory : DefaultStateDirectory,
            LogDirectory = logGiven ? settings.LogDirectory : DefaultLogDirectory,
            PinStateDirectory = !stateGiven,
            PinLogDirectory = !logGiven,
            HostShutdownTimeout = DaemonHost.ShutdownTimeout(settings),
            LongestProgramStopTimeout = settings.LongestStopTimeout,
            StopLevels = Math.Max(1, OpsConfigReader.Order(settings.Programs).Levels.Count),
            UsesPostgreSql = settings.Storage.Provider == StorageProvider.PostgreSql,
        };
    }

    private static bool IsSet(IConfiguration configuration, string key) => !string.IsNullOrWhiteSpace(configuration[key]);
}
