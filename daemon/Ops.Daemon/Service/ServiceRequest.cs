using Ops.Daemon.Configuration;

namespace Ops.Daemon.Service;

/// <summary>
/// What `opsd service install|uninstall|print` was asked for. Paths are as the target system sees them; with a
/// <see cref="Root"/> (a scratch directory standing for "/", as `systemctl --root` has it) files are read and
/// written below it, while the unit still names the unprefixed paths.
/// </summary>
public sealed record ServiceRequest
{
    /// <summary>The config file opsd will run with (absolute, on the target system).</summary>
    public required string ConfigPath { get; init; }

    /// <summary>Run opsd as this user; null for root.</summary>
    public string? User { get; init; }

    /// <summary>Null for the real system; otherwise the directory that stands for "/".</summary>
    public string? Root { get; init; }

    /// <summary>How the service starts opsd; by default this very executable.</summary>
    public required IReadOnlyList<string> ExecStart { get; init; }

    /// <summary>Builds a request from the command-line values, or returns why they cannot work.</summary>
    public static ServiceRequest? Create(string? config, string? user, string? root, string? exec, out string? error)
    {
        error = null;
        string? fullRoot = null;
        if (!string.IsNullOrEmpty(root))
        {
            fullRoot = Path.GetFullPath(root);
            if (!System.IO.Directory.Exists(fullRoot))
            {
                error = $"--root {root}: no such directory; create it first (it stands for / on the target system)";
                return null;
            }
        }

        var configPath = !string.IsNullOrWhiteSpace(config) ? config
            : Environment.GetEnvironmentVariable(ConfigSources.ConfigEnvironmentVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment
            : DefaultConfigPath(fullRoot);
        if (fullRoot is not null && !Path.IsPathRooted(configPath))
        {
            error = $"--config {configPath}: with --root, give the config's absolute path on the target system, e.g. {ConfigSources.SystemConfigPath}";
            return null;
        }

        configPath = Path.GetFullPath(configPath);
        if (exec is not null && !Path.IsPathRooted(exec))
        {
            error = $"--exec {exec}: give the absolute path of the opsd executable on the target system, e.g. /opt/opsd/opsd";
            return null;
        }

        if (user is not null && !IsUserName(user))
        {
            error = $"--user '{user}' is not a valid user name (letters, digits, '.', '_', '-'; not starting with '-')";
            return null;
        }

        return new ServiceRequest
        {
            ConfigPath = configPath,
            User = user is null or "root" ? null : user,
            Root = fullRoot,
            ExecStart = exec is null ? OpsdExecutable.Current() : [exec],
        };
    }

    /// <summary>Where <paramref name="targetPath"/> (absolute on the target system) is on this machine.</summary>
    public string OnThisMachine(string targetPath) =>
        Root is null ? targetPath : Path.Join(Root, targetPath.TrimStart('/'));

    /// <summary>/etc/opsd/opsd.json; on Windows (without a --root systemd tree) %ProgramData%\Ops\opsd.json.</summary>
    private static string DefaultConfigPath(string? root) =>
        OperatingSystem.IsWindows() && root is null
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.CommonApplicationData), "Ops", "opsd.json")
            : ConfigSources.SystemConfigPath;

    private static bool IsUserName(string name) =>
        name.Length is > 0 and <= 32 && name[0] != '-' && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
}
