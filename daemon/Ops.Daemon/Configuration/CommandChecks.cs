using Ops.Processes.Launching;

namespace Ops.Daemon.Configuration;

/// <summary>
/// Checks that each program's and task's Command can be found and executed here, as the launcher will look for it:
/// a path (relative ones from WorkingDirectory), else a name on PATH (the spec's own PATH, else opsd's). Without
/// this a missing command shows only as failed starts, and a program goes Fatal after MaxRestarts of them.
/// </summary>
/// <remarks>
/// These are facts about the machine at the time of the check, not about the file: `opsd validate` reports them
/// as errors, while a starting opsd only logs them (the command may be installed after opsd starts; the program
/// then fails to start with the same cause in its history).
/// </remarks>
public static class CommandChecks
{
    /// <summary>Errors (the command cannot run as opsd's user) and warnings (it may not run as expected) of every command.</summary>
    public static (List<ConfigError> Errors, List<ConfigError> Warnings) Check(OpsSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var errors = new List<ConfigError>();
        var warnings = new List<ConfigError>();
        foreach (var program in settings.Programs.Where(p => p.Command.Length > 0))
        {
            var launch = program.ForInstance(0);
            Check($"Ops:Programs:{program.Name}:Command", launch.Command, launch.WorkingDirectory, launch.Environment, program.User, errors, warnings);
        }

        foreach (var task in settings.Tasks.Where(t => t.Command.Length > 0))
        {
            Check($"Ops:Tasks:{task.Name}:Command", task.Command, task.WorkingDirectory, task.Environment, null, errors, warnings);
        }

        return (errors, warnings);
    }

    private static void Check(string path, string command, string? workingDirectory, IReadOnlyDictionary<string, string> environment, string? user, List<ConfigError> errors, List<ConfigError> warnings)
    {
        var isPath = command.Contains('/', StringComparison.Ordinal);
        string directory;
        try
        {
            directory = workingDirectory is null ? Directory.GetCurrentDirectory() : Path.GetFullPath(workingDirectory);
        }
        catch (Exception ex) when (ex is ArgumentException or IOException or NotSupportedException)
        {
            errors.Add(new ConfigError(path, $"cannot be checked: WorkingDirectory '{workingDirectory}' is not a usable path ({ex.Message})"));
            return;
        }

        if (workingDirectory is not null && !Directory.Exists(directory))
        {
            errors.Add(new ConfigError(path.Replace(":Command", ":WorkingDirectory", StringComparison.Ordinal), $"'{directory}' does not exist; create it or fix the path"));
            return;
        }

        var searchPath = environment.TryGetValue("PATH", out var own) ? own : Environment.GetEnvironmentVariable("PATH");
        var found = CommandResolver.Resolve(command, searchPath, directory);
        if (found is null)
        {
            var exists = isPath && File.Exists(Path.GetFullPath(command, directory));
            var what = !isPath ? $"'{command}' is not found on PATH ({searchPath ?? "unset"}); write the full path, e.g. \"/usr/bin/{command}\""
                : exists ? $"'{command}' is not executable by opsd's user; chmod +x it or fix the path"
                : $"'{command}' does not exist{(Path.IsPathRooted(command) ? string.Empty : $" (relative to {directory})")}; fix the path or install it";
            if (exists && user is not null)
            {
                // Executable for the program's User, perhaps: only that user can tell.
                warnings.Add(new ConfigError(path, $"{what} (checked as opsd's user; the program runs as '{user}')"));
            }
            else
            {
                errors.Add(new ConfigError(path, what));
            }

            return;
        }

        // A relative path with a '/' was already made absolute by the reader (from WorkingDirectory or the file's folder).
        if (!isPath && !environment.ContainsKey("PATH"))
        {
            warnings.Add(new ConfigError(path, $"'{command}' is looked up on opsd's PATH when it starts (found here as {found}); under systemd that PATH may differ from this shell's: write \"{found}\" to be sure"));
        }
    }
}
