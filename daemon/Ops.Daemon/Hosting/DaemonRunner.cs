using Ops.Daemon.Configuration;
using Ops.Daemon.Logging;

namespace Ops.Daemon.Hosting;

/// <summary>Runs the daemon: load and validate the config, then host the supervisor and the API until SIGTERM.</summary>
public static class DaemonRunner
{
    /// <summary>Returns 0 after a clean stop, 1 when the config is bad or start-up fails.</summary>
    public static async Task<int> RunAsync(string? configPath)
    {
        // The config is read and checked here, before the host is built: a bad config stops opsd before it
        // touches a process (STYLE 9), with every error and its key path on stderr.
        var load = ConfigLoad.Load(configPath, checkCommands: true);
        if (!load.IsValid)
        {
            load.WriteErrors(Console.Error, load.Errors, "opsd: ", count => $"opsd: refusing to start, {load.Path} has {count} error(s):");
            return 1;
        }

        var (path, configuration, settings) = (load.Path, load.Configuration, load.Settings);

        try
        {
            Directory.CreateDirectory(settings.StateDirectory);
            Directory.CreateDirectory(settings.LogDirectory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"opsd: cannot create the state or log directory ({settings.StateDirectory}, {settings.LogDirectory}): {ex.Message}. Set Ops:Host:StateDirectory and Ops:Host:LogDirectory to writable paths.");
            return 1;
        }

        // One daemon per state directory: a second one would take the first one's groups for orphans and end them.
        FileStream stateLock;
        try
        {
            stateLock = new FileStream(Path.Combine(settings.StateDirectory, "opsd.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            await Console.Error.WriteLineAsync($"opsd: another opsd is running with the state directory {settings.StateDirectory}; stop it, or give this one its own Ops:Host:StateDirectory.");
            return 1;
        }

        using var heldLock = stateLock;
        var masker = new SecretMasker(settings.Secrets);
        var logger = DaemonLogging.CreateLogger(settings, masker);
        try
        {
            var app = DaemonHost.Build(settings, configuration, logger, masker);

            // Not a refusal: the command may be installed after opsd starts (see CommandChecks).
            foreach (var problem in load.CommandErrors.Concat(load.Warnings))
            {
                logger.Warning("Config {KeyPath}: {Problem}", problem.Path, problem.Message);
            }

            logger.Information("opsd starting on {Host} with {ConfigPath}: {ProgramCount} program(s), listening on {Urls}", settings.HostName, path, settings.Programs.Count, settings.Urls);
            await app.RunAsync();
            logger.Information("opsd stopped");
            return 0;
        }
        catch (Exception ex)
        {
            logger.Fatal(ex, "opsd failed: {Message}", ex.Message);
            return 1;
        }
        finally
        {
            await logger.DisposeAsync();
        }
    }
}
