using System.Collections;
using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace Ops.Daemon.Configuration;

/// <summary>Finds and loads the configuration: a JSON file, then OPS__... environment overrides.</summary>
public static class ConfigSources
{
    /// <summary>The system-wide config file used when no --config is given and it exists.</summary>
    public const string SystemConfigPath = "/etc/opsd/opsd.json";

    /// <summary>The environment variable naming a config file.</summary>
    public const string ConfigEnvironmentVariable = "OPS_CONFIG";

    private const string EnvironmentPrefix = "OPS__";

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

        return File.Exists(SystemConfigPath) ? SystemConfigPath : Path.Combine(AppContext.BaseDirectory, "opsd.json");
    }

    /// <summary>
    /// Loads <paramref name="path"/> plus environment overrides (OPS__PROGRAMS__WEB__INSTANCES=3 sets
    /// Ops:Programs:web:Instances). Returns null and an error naming the file when it is missing or not JSON.
    /// </summary>
    public static IConfigurationRoot? Load(string path, out ConfigError? error)
    {
        error = null;
        if (!File.Exists(path))
        {
            error = new ConfigError(path, "the config file does not exist; pass --config PATH or create it");
            return null;
        }

        try
        {
            // Parse once ourselves: JsonException names the line and byte of the mistake.
            using (var stream = File.OpenRead(path))
            {
                using var document = JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            }

            return new ConfigurationBuilder()
                .AddJsonFile(path, optional: false, reloadOnChange: false)
                .AddInMemoryCollection(EnvironmentOverrides())
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

    private static IEnumerable<KeyValuePair<string, string?>> EnvironmentOverrides()
    {
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            var name = (string)entry.Key;
            if (name.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase) && name.Length > EnvironmentPrefix.Length)
            {
                var key = "Ops:" + name[EnvironmentPrefix.Length..].Replace("__", ":", StringComparison.Ordinal);
                yield return new(key, (string?)entry.Value);
            }
        }
    }
}
