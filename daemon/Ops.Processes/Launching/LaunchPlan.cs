using System.Collections;
using System.Globalization;
using Ops.Processes.Native;
using Ops.Processes.Orphans;
using Ops.Supervision.Os;

namespace Ops.Processes.Launching;

/// <summary>
/// A <see cref="LaunchSpec"/> checked against the machine and turned into what posix_spawnp needs. Every check runs
/// before anything is spawned, so a bad spec fails with a message naming the program and the fix instead of a
/// child that dies with exit 127.
/// </summary>
internal sealed record LaunchPlan(string File, IReadOnlyList<string> Argv, IReadOnlyList<string> Environment, string? WorkingDirectory)
{
    /// <summary>
    /// Builds the plan; throws <see cref="LaunchException"/> naming the program and the cause. A
    /// <paramref name="launchToken"/> goes into the environment as <see cref="GroupRecord.LaunchTokenVariable"/>, over
    /// any value the spec or the daemon's environment has for it.
    /// </summary>
    public static LaunchPlan Create(LaunchSpec spec, Func<string?> findSetpriv, string? launchToken = null)
    {
        string name = spec.InstanceName;
        if (string.IsNullOrWhiteSpace(spec.Command))
        {
            throw Fail(name, "the command is empty");
        }

        CheckNoNul(name, "command", spec.Command);
        foreach (string arg in spec.Args)
        {
            CheckNoNul(name, "argument", arg);
        }

        string? workingDirectory = null;
        if (spec.WorkingDirectory is not null)
        {
            CheckNoNul(name, "working directory", spec.WorkingDirectory);
            workingDirectory = Path.GetFullPath(spec.WorkingDirectory);
            if (!Directory.Exists(workingDirectory))
            {
                throw Fail(name, $"working directory '{workingDirectory}' does not exist");
            }
        }

        UserAccount? user = spec.User is null ? null : FindUser(name, spec.User);
        Dictionary<string, string> environment = BuildEnvironment(name, spec, user);
        if (launchToken is not null)
        {
            environment[GroupRecord.LaunchTokenVariable] = launchToken;
        }
        string? path = environment.GetValueOrDefault("PATH");
        string file = CommandResolver.Resolve(spec.Command, path, workingDirectory ?? Directory.GetCurrentDirectory())
            ?? throw Fail(name, spec.Command.Contains('/', StringComparison.Ordinal)
                ? $"command '{spec.Command}' does not exist or is not executable"
                : $"command '{spec.Command}' not found on PATH");

        var envp = environment.Select(kv => kv.Key + "=" + kv.Value).ToList();
        if (user is null)
        {
            return new LaunchPlan(file, [spec.Command, .. spec.Args], envp, workingDirectory);
        }

        // setpriv switches user and groups, then execs the command in place: the pid, and so the group, stay.
        string setpriv = findSetpriv()
            ?? throw Fail(name, $"User '{spec.User}' needs util-linux 'setpriv' on the daemon's PATH");
        string[] argv =
        [
            "setpriv",
            string.Create(CultureInfo.InvariantCulture, $"--reuid={user.Uid}"),
            string.Create(CultureInfo.InvariantCulture, $"--regid={user.Gid}"),
            "--init-groups",
            "--",
            file,
            .. spec.Args,
        ];
        return new LaunchPlan(setpriv, argv, envp, workingDirectory);
    }

    private static UserAccount FindUser(string name, string user)
    {
        uint euid = Libc.geteuid();
        if (euid != 0)
        {
            throw Fail(name, $"User '{user}' needs opsd to run as root (it runs as uid {euid})");
        }

        try
        {
            return UserAccount.Find(user) ?? throw Fail(name, $"user '{user}' does not exist");
        }
        catch (InvalidOperationException ex)
        {
            throw Fail(name, ex.Message, ex);
        }
    }

    /// <summary>
    /// The daemon's environment, read once: opsd never changes its own, and copying it from the OS on every launch
    /// was measurable on the restart and task-run paths.
    /// </summary>
    private static readonly Lazy<Dictionary<string, string>> DaemonEnvironment = new(() =>
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            environment[(string)entry.Key] = (string?)entry.Value ?? string.Empty;
        }

        return environment;
    });

    /// <summary>The daemon's environment, then the user's identity (when switching user), then the spec's own values, which win.</summary>
    private static Dictionary<string, string> BuildEnvironment(string name, LaunchSpec spec, UserAccount? user)
    {
        var environment = new Dictionary<string, string>(DaemonEnvironment.Value, StringComparer.Ordinal);

        // Set when opsd itself runs under an opsd: that launch's token, not one of ours.
        environment.Remove(GroupRecord.LaunchTokenVariable);

        if (user is not null)
        {
            environment["HOME"] = user.Home;
            environment["USER"] = user.Name;
            environment["LOGNAME"] = user.Name;
        }

        foreach ((string key, string value) in spec.Environment)
        {
            if (key.Length == 0 || key.Contains('=', StringComparison.Ordinal))
            {
                throw Fail(name, $"environment variable name '{key}' is invalid");
            }

            CheckNoNul(name, $"environment variable {key}", value);
            environment[key] = value;
        }

        return environment;
    }

    private static void CheckNoNul(string name, string what, string value)
    {
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw Fail(name, $"the {what} contains a NUL character");
        }
    }

    private static LaunchException Fail(string name, string cause, Exception? inner = null) => new($"program {name}: {cause}", inner);
}
