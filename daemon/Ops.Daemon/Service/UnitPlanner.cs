using Ops.Daemon.Configuration;
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

        // Read with the target path, so relative directories in the file resolve as opsd will resolve them.
        var load = ConfigLoad.LoadFile(request.OnThisMachine(request.ConfigPath), request.ConfigPath);
        problems.AddRange(load.Errors.Select(e => e.ToString()));
        if (!load.IsValid)
        {
            return null;
        }

        var (configuration, settings) = (load.Configuration, load.Settings);
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

        var budget = ShutdownBudget.Of(settings);
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
            HostShutdownTimeout = budget.HostShutdownTimeout,
            LongestProgramStopTimeout = budget.LongestProgramStopTimeout,
            StopLevels = budget.StopLevels,
            UsesPostgreSql = settings.Storage.Provider == StorageProvider.PostgreSql,
        };
    }

    private static bool IsSet(IConfiguration configuration, string key) => !string.IsNullOrWhiteSpace(configuration[key]);
}
