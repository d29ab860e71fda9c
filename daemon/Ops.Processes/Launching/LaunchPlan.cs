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
        string name = spec.Owner.ToString();
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
        Dictionary<string, string> overrides = BuildOverrides(name, spec, user);
        if (launchToken is not null)
        {
            overrides[GroupRecord.LaunchTokenVariable] = launchToken;
        }

        DaemonEnvironment daemon = Daemon.Value;
        string? path = overrides.TryGetValue("PATH", out string? own) ? own : daemon.Path;
        string file = CommandResolver.Resolve(spec.Command, path, workingDirectory ?? Directory.GetCurrentDirectory())
            ?? throw Fail(name, spec.Command.Contains('/', StringComparison.Ordinal)
                ? $"command '{spec.Command}' does not exist or is not executable"
                : $"command '{spec.Command}' not found on PATH");

        var envp = new List<string>(daemon.Entries.Length + overrides.Count);
        for (int i = 0; i < daemon.Entries.Length; i++)
        {
            if (!overrides.ContainsKey(daemon.Names[i]))
            {
                envp.Add(daemon.Entries[i]);
            }
        }

        foreach ((string key, string value) in overrides)
        {
            envp.Add(key + "=" + value);
        }

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
    /// The daemon's environment, read once and kept as ready "NAME=value" entries: opsd never changes its own, and
    /// copying and joining it again on every launch was measurable on the restart and task-run paths. A launch token
    /// the daemon inherited (opsd itself run by an opsd) is not passed on: it names that launch, not ours.
    /// </summary>
    private static readonly Lazy<DaemonEnvironment> Daemon = new(() =>
    {
        var names = new List<string>();
        var entries = new List<string>();
        string? path = null;
        foreach (DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            var key = (string)entry.Key;
            var value = (string?)entry.Value ?? string.Empty;
            if (key == GroupRecord.LaunchTokenVariable)
            {
                continue;
            }

            path = key == "PATH" ? value : path;
            names.Add(key);
            entries.Add(key + "=" + value);
        }

        return new DaemonEnvironment([.. names], [.. entries], path);
    });

    /// <summary>What a launch sets over the daemon's environment: the user's identity (when switching user), then the spec's own values, which win.</summary>
    private static Dictionary<string, string> BuildOverrides(string name, LaunchSpec spec, UserAccount? user)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
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

    /// <summary>The daemon's variables: their names and "NAME=value" entries, in the same order, and its PATH.</summary>
    private sealed record DaemonEnvironment(string[] Names, string[] Entries, string? Path);

    private static void CheckNoNul(string name, string what, string value)
    {
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw Fail(name, $"the {what} contains a NUL character");
        }
    }

    private static LaunchException Fail(string name, string cause, Exception? inner = null) => new($"{name}: {cause}", inner);
}
