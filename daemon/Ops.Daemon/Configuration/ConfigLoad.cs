using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Ops.Daemon.Configuration;

/// <summary>
/// The one load of opsd's configuration, for run, validate, reload and service install: finds the file
/// (<see cref="ConfigSources"/>), loads it with its environment overrides, reads it (<see cref="OpsConfigReader"/>)
/// and comes out with either a valid snapshot (and what the command check warns of) or every error with its key path.
/// </summary>
/// <param name="Path">The file that was loaded.</param>
/// <param name="Configuration">The loaded configuration; null when the file could not be loaded.</param>
/// <param name="Settings">The snapshot; null when there is any error.</param>
/// <param name="Errors">Why the file could not be loaded, or every error of its content.</param>
/// <param name="CommandErrors">
/// Commands that cannot run on this machine (<see cref="CommandChecks"/>), when asked for; facts about the machine,
/// not the file, so each caller weighs them: validate fails on them, a starting opsd only logs them.
/// </param>
/// <param name="Warnings">Commands that may not run as expected here, when asked for.</param>
public sealed record ConfigLoad(
    string Path,
    IConfigurationRoot? Configuration,
    OpsSettings? Settings,
    IReadOnlyList<ConfigError> Errors,
    IReadOnlyList<ConfigError> CommandErrors,
    IReadOnlyList<ConfigError> Warnings)
{
    /// <summary>True when the file was read without errors: <see cref="Settings"/> is its snapshot.</summary>
    [MemberNotNullWhen(true, nameof(Settings), nameof(Configuration))]
    public bool IsValid => Settings is not null && Configuration is not null;

    /// <summary>True when the file itself could not be loaded (missing, not JSON): one error, no key paths.</summary>
    public bool Unreadable => Configuration is null;

    /// <summary>Finds the file (<see cref="ConfigSources.ResolvePath"/>) and loads it.</summary>
    /// <param name="explicitPath">--config, or null for $OPS_CONFIG and the defaults.</param>
    /// <param name="checkCommands">Also check that every Command can be found and run here.</param>
    public static ConfigLoad Load(string? explicitPath, bool checkCommands = false) =>
        LoadFile(ConfigSources.ResolvePath(explicitPath), null, checkCommands);

    /// <summary>
    /// Loads <paramref name="file"/>, resolving relative paths in it as if it were at <paramref name="readAs"/>
    /// (the service installer reads a target system's file from where that system is mounted).
    /// </summary>
    public static ConfigLoad LoadFile(string file, string? readAs, bool checkCommands = false) =>
        LoadFile(file, readAs, Environment.GetEnvironmentVariables(), checkCommands);

    /// <summary>As <see cref="LoadFile(string, string?, bool)"/>, with the environment given.</summary>
    internal static ConfigLoad LoadFile(string file, string? readAs, IDictionary environment, bool checkCommands)
    {
        var path = readAs ?? file;
        var configuration = ConfigSources.Load(file, environment, out var loadError);
        if (configuration is null)
        {
            return new ConfigLoad(path, null, null, [loadError!], [], []);
        }

        var read = OpsConfigReader.Read(configuration, path);

        // Checked even when the file has errors, so that `opsd validate` lists every problem in one go.
        (List<ConfigError> Errors, List<ConfigError> Warnings) commands = checkCommands ? CommandChecks.Check(read) : ([], []);
        return read.Errors.Count > 0
            ? new ConfigLoad(path, configuration, null, read.Errors, commands.Errors, commands.Warnings)
            : new ConfigLoad(path, configuration, read with { Errors = [] }, [], commands.Errors, commands.Warnings);
    }

    /// <summary>
    /// The one way the errors are printed: a file that could not be loaded is its one message after
    /// <paramref name="prefix"/>; otherwise <paramref name="heading"/> (given the count) and one line per error,
    /// "KEY:PATH: message".
    /// </summary>
    public void WriteErrors(TextWriter writer, IReadOnlyList<ConfigError> errors, string prefix, Func<int, string> heading)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(errors);
        ArgumentNullException.ThrowIfNull(heading);
        if (Unreadable)
        {
            foreach (var error in errors)
            {
                writer.WriteLine($"{prefix}{error}");
            }

            return;
        }

        writer.WriteLine(heading(errors.Count));
        foreach (var error in errors)
        {
            writer.WriteLine(error.ToString());
        }
    }

    /// <summary>The warnings, one line each: "KEY:PATH: warning: message".</summary>
    public void WriteWarnings(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        foreach (var warning in Warnings)
        {
            writer.WriteLine($"{warning.Path}: warning: {warning.Message}");
        }
    }
}
