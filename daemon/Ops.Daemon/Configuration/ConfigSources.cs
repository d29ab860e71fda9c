using System.Collections;
using System.Text.Json;

namespace Ops.Daemon.Configuration;

/// <summary>Finds and loads the configuration: a JSON file, then OPS__... environment overrides.</summary>
public static class ConfigSources
{
    /// <summary>The system-wide config file used when no --config is given and it exists.</summary>
    public const string SystemConfigPath = "/etc/opsd/opsd.json";

    /// <summary>The environment variable naming a config file.</summary>
    public const string ConfigEnvironmentVariable = "OPS_CONFIG";

    /// <summary>The demo config's file name, next to opsd when published, in the project's folder in the sources.</summary>
    internal const string DemoConfigName = "opsd.json";

    private const string EnvironmentPrefix = "OPS__";

    private const string ProjectFileName = "Ops.Daemon.csproj";

    /// <summary>Sections whose keys are names chosen by the operator, which are lower case ([a-z0-9][a-z0-9_-]*).</summary>
    private static readonly string[] NamedSections = ["Programs", "Tasks", "Queues"];

    /// <summary>The sections under Ops, so an upper-case environment key is spelt as the README spells it.</summary>
    private static readonly string[] Sections = ["Host", "Logging", "Programs", "Tasks", "Queues", "Storage", "Security"];

    /// <summary>--config, else $OPS_CONFIG, else /etc/opsd/opsd.json when present, else the demo config shipped with opsd.</summary>
    public static string ResolvePath(string? explicitPath)
    {
        if (!string.IsNullOrWhiteSpace(explicitPath))
        {
            return Path.GetFullPath(explicitPath);
        }

        var fromEnvironment = Environment.GetEnvironmentVariable(ConfigEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return Path.GetFullPath(fromEnvironment);
        }

        return File.Exists(SystemConfigPath) ? SystemConfigPath : DemoConfigPath(AppContext.BaseDirectory);
    }

    /// <summary>
    /// The demo config for an opsd in <paramref name="baseDirectory"/>. Run from its build output
    /// (daemon/Ops.Daemon/bin/CONFIGURATION/TFM[/RID], as under `dotnet run`), that is the project's own opsd.json,
    /// the file the README tells operators to edit: the copy the build leaves in bin/ would be read instead and
    /// edits to the source would change nothing. Anywhere else (the Publish output, the package, a test's output)
    /// it is the opsd.json shipped next to opsd.
    /// </summary>
    internal static string DemoConfigPath(string baseDirectory)
    {
        var directory = new DirectoryInfo(Path.GetFullPath(baseDirectory));
        for (var up = 0; up < 4 && directory is not null; up++, directory = directory.Parent)
        {
            if (directory.Name.Equals("bin", StringComparison.Ordinal)
                && directory.Parent is { } project
                && File.Exists(Path.Combine(project.FullName, ProjectFileName))
                && File.Exists(Path.Combine(project.FullName, DemoConfigName)))
            {
                return Path.Combine(project.FullName, DemoConfigName);
            }
        }

        return Path.Combine(baseDirectory, DemoConfigName);
    }

    /// <summary>
    /// Loads <paramref name="path"/> plus environment overrides (OPS__PROGRAMS__WEB__INSTANCES=3 sets
    /// Ops:Programs:web:Instances). Returns null and an error naming the file when it is missing or not JSON.
    /// </summary>
    public static IConfigurationRoot? Load(string path, out ConfigError? error) =>
        Load(path, Environment.GetEnvironmentVariables(), out error);

    /// <summary>As <see cref="Load(string, out ConfigError?)"/>, with the environment given.</summary>
    internal static IConfigurationRoot? Load(string path, IDictionary environment, out ConfigError? error)
    {
        error = null;
        if (!File.Exists(path))
        {
            error = new ConfigError(path, "the config file does not exist; pass --config PATH or create it");
            return null;
        }

        try
        {
            // Parse once ourselves: JsonException names the line and byte of the mistake, and the document keeps
            // the JSON kinds that binding loses.
            JsonKinds kinds;
            using (var stream = File.OpenRead(path))
            {
                using var document = JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
                kinds = JsonKinds.From(document.RootElement);
            }

            var file = new ConfigurationBuilder().AddJsonFile(path, optional: false, reloadOnChange: false).Build();
            return new ConfigurationBuilder()
                .AddJsonFile(path, optional: false, reloadOnChange: false)
                .AddInMemoryCollection(EnvironmentOverrides(file, environment))
                .Add(kinds.AsSource())
                .Build();
        }
        catch (JsonException ex)
        {
            error = new ConfigError(path, $"is not valid JSON: {ex.Message}");
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or FormatException)
        {
            error = new ConfigError(path, $"cannot be read: {ex.Message}");
            return null;
        }
    }

    /// <summary>
    /// OPS__A__B=v as Ops:A:B=v. Environment variable names are upper case by convention while program, task and
    /// queue names are lower case, so each part takes the spelling of the key the file already has (configuration
    /// keys are case-insensitive anyway), and a name the file does not have is lower-cased.
    /// </summary>
    private static IEnumerable<KeyValuePair<string, string?>> EnvironmentOverrides(IConfiguration file, IDictionary environment)
    {
        foreach (DictionaryEntry entry in environment)
        {
            var name = (string)entry.Key;
            if (!name.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase) || name.Length <= EnvironmentPrefix.Length)
            {
                continue;
            }

            var parts = name[EnvironmentPrefix.Length..].Split("__");
            IConfigurationSection section = file.GetSection("Ops");
            var key = "Ops";
            for (var i = 0; i < parts.Length; i++)
            {
                var part = parts[i];
                var existing = section.GetChildren().FirstOrDefault(c => c.Key.Equals(part, StringComparison.OrdinalIgnoreCase));
                part = existing?.Key
                    ?? (i == 0 ? Sections.FirstOrDefault(s => s.Equals(part, StringComparison.OrdinalIgnoreCase)) : null)
                    ?? (i == 1 && NamedSections.Any(s => s.Equals(parts[0], StringComparison.OrdinalIgnoreCase)) ? part.ToLowerInvariant() : part);
                key = ConfigurationPath.Combine(key, part);
                section = section.GetSection(part);
            }

            yield return new(key, (string?)entry.Value);
        }
    }
}
