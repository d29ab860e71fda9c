using System.Globalization;
using System.Text;

namespace Ops.Daemon.Service;

/// <summary>Renders opsd's systemd unit from a <see cref="UnitSpec"/>; pure, so tests check the exact text.</summary>
public static class SystemdUnit
{
    /// <summary>The unit's name; `systemctl status opsd` finds it.</summary>
    public const string Name = "opsd.service";

    /// <summary>Where system units written by the administrator live.</summary>
    public const string Directory = "/etc/systemd/system";

    /// <summary>Time systemd grants on top of the host's own shutdown budget before it sends SIGKILL.</summary>
    public static readonly TimeSpan StopMargin = TimeSpan.FromSeconds(15);

    /// <summary>systemd's default start timeout; opsd gets at least this much.</summary>
    private static readonly TimeSpan MinimumStartTimeout = TimeSpan.FromSeconds(90);

    private const string SystemStateRoot = "/var/lib/";
    private const string SystemLogRoot = "/var/log/";

    /// <summary>TimeoutStopSec: above the host's shutdown budget, so opsd always finishes its ordered stop first.</summary>
    public static int StopTimeoutSeconds(UnitSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return (int)Math.Ceiling((spec.HostShutdownTimeout + StopMargin).TotalSeconds);
    }

    /// <summary>
    /// TimeoutStartSec: a start may first end the process groups a crashed opsd left behind, each within its
    /// program's StopTimeout, so it gets the stop budget too, and never less than systemd's default.
    /// </summary>
    public static int StartTimeoutSeconds(UnitSpec spec) =>
        Math.Max((int)MinimumStartTimeout.TotalSeconds, StopTimeoutSeconds(spec));

    /// <summary>The unit file's text.</summary>
    public static string Render(UnitSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var stopSeconds = StopTimeoutSeconds(spec);
        var unit = new StringBuilder();
        void Line(string text = "") => unit.Append(text).Append('\n');

        Line($"# {Name}: written by `opsd service install` for {spec.ConfigPath}.");
        Line("# TimeoutStopSec is computed from that config's stop timeouts and dependencies: run the install again");
        Line("# after changing them. Keep local changes in a drop-in (systemctl edit opsd), which a new install keeps.");
        Line("[Unit]");
        Line("Description=Ops daemon (opsd): supervises programs and runs tasks");
        Line("After=network-online.target");
        Line("Wants=network-online.target");
        if (spec.UsesPostgreSql)
        {
            Line("# Task storage is PostgreSQL: when it runs on this host, start after it and stop before it.");
            Line("After=postgresql.service");
        }

        Line("# Restart on failure, but give up after 5 failed starts in 10 minutes instead of looping forever;");
        Line("# `systemctl reset-failed opsd` re-arms it.");
        Line("StartLimitIntervalSec=600");
        Line("StartLimitBurst=5");
        Line();
        Line("[Service]");
        Line("# opsd reports READY=1 (sd_notify) once its API listens and the supervisor runs.");
        Line("Type=notify");
        Line("ExecStart=" + string.Join(' ', spec.ExecStart.Append("--config").Append(spec.ConfigPath).Select(QuoteExecArgument)));
        Line("# SIGTERM goes to opsd alone: it stops its programs in reverse dependency order, each with its own StopSignal");
        Line("# and StopTimeout, then exits. Only when opsd overruns TimeoutStopSec does systemd SIGKILL everything left in");
        Line("# the cgroup, and after a crash it kills what is left too: no program outlives the service.");
        Line("KillMode=mixed");
        Line("KillSignal=SIGTERM");
        Line(string.Create(CultureInfo.InvariantCulture, $"# Host shutdown budget {Seconds(spec.HostShutdownTimeout)} (longest program StopTimeout {Seconds(spec.LongestProgramStopTimeout)} x {spec.StopLevels} dependency level(s), task runs, margin) + {Seconds(StopMargin)}."));
        Line(string.Create(CultureInfo.InvariantCulture, $"TimeoutStopSec={stopSeconds}"));
        Line("# A start may first end the process groups a crashed opsd left behind.");
        Line(string.Create(CultureInfo.InvariantCulture, $"TimeoutStartSec={StartTimeoutSeconds(spec)}"));
        Line("Restart=on-failure");
        Line("RestartSec=5s");
        WriteDirectories(spec, Line);
        Line("# Each program instance holds pipes and log files open.");
        Line("LimitNOFILE=65536");
        Line("SyslogIdentifier=opsd");
        WriteIdentityAndHardening(spec, Line);
        Line();
        Line("[Install]");
        Line("WantedBy=multi-user.target");
        return unit.ToString();
    }

    private static void WriteDirectories(UnitSpec spec, Action<string> line)
    {
        if (spec.PinStateDirectory)
        {
            line("# The config leaves the directories to opsd's defaults, which depend on the user: pin the system ones.");
            line("Environment=" + QuoteEnvironment($"OPS__HOST__STATEDIRECTORY={spec.StateDirectory}"));
        }

        if (spec.PinLogDirectory)
        {
            line("Environment=" + QuoteEnvironment($"OPS__HOST__LOGDIRECTORY={spec.LogDirectory}"));
        }

        // StateDirectory=/LogsDirectory= only name paths below /var/lib and /var/log; systemd creates them (owned
        // by User= when one is set) before the start. Elsewhere opsd creates its directories itself.
        if (Below(spec.StateDirectory, SystemStateRoot) is { } state)
        {
            line("StateDirectory=" + state);
            line("StateDirectoryMode=0750");
        }
        else
        {
            line($"# State directory {spec.StateDirectory} is outside {SystemStateRoot}: opsd creates it.");
        }

        if (Below(spec.LogDirectory, SystemLogRoot) is { } logs)
        {
            line("LogsDirectory=" + logs);
            line("LogsDirectoryMode=0750");
        }
        else
        {
            line($"# Log directory {spec.LogDirectory} is outside {SystemLogRoot}: opsd creates it.");
        }
    }

    private static void WriteIdentityAndHardening(UnitSpec spec, Action<string> line)
    {
        line("# Hardening that leaves a supervisor what it needs. Programs and tasks run inside this sandbox too, and opsd");
        line("# cannot know which files, /tmp sockets or devices they use: so no ProtectSystem=, ProtectHome=, PrivateTmp=,");
        line("# PrivateDevices= or ProtectClock= (it restricts devices). No MemoryDenyWriteExecute=: the .NET JIT writes code.");
        line("# Add more in a drop-in when your programs allow it.");
        line("ProtectKernelModules=yes");
        line("ProtectKernelLogs=yes");
        line("ProtectControlGroups=yes");
        line("LockPersonality=yes");
        line("RestrictRealtime=yes");
        line("SystemCallArchitectures=native");
        if (spec.User is null)
        {
            line("# No User= and no NoNewPrivileges=: opsd runs as root so that it can start programs as their configured");
            line("# User (setuid/setgid at exec, as setpriv does), and so that programs it starts as root keep their privileges.");
            line("# The options above imply NoNewPrivileges= only for a service without CAP_SYS_ADMIN, which root has.");
            return;
        }

        line($"# opsd runs as {spec.User}: it cannot start programs as other users, so nothing needs new privileges.");
        line("User=" + spec.User);
        line("NoNewPrivileges=yes");
        line("ProtectSystem=full");
    }

    /// <summary>"opsd" for "/var/lib/opsd" under "/var/lib/"; null for a path elsewhere (or the root itself).</summary>
    private static string? Below(string path, string root)
    {
        var normalized = path.TrimEnd('/');
        return normalized.StartsWith(root, StringComparison.Ordinal) && normalized.Length > root.Length && !normalized.Contains("/../", StringComparison.Ordinal)
            ? normalized[root.Length..]
            : null;
    }

    private static string Seconds(TimeSpan value) => string.Create(CultureInfo.InvariantCulture, $"{value.TotalSeconds:0.###}s");

    /// <summary>
    /// One ExecStart= word: '%' is systemd's specifier character and '$' its variable expansion, so both are
    /// doubled; a word with spaces, quotes or backslashes is double-quoted with C-style escapes.
    /// </summary>
    internal static string QuoteExecArgument(string argument) =>
        Quote(argument.Replace("%", "%%", StringComparison.Ordinal).Replace("$", "$$", StringComparison.Ordinal));

    /// <summary>One Environment= assignment: specifiers apply there, variable expansion does not.</summary>
    internal static string QuoteEnvironment(string assignment) => Quote(assignment.Replace("%", "%%", StringComparison.Ordinal));

    private static string Quote(string word)
    {
        if (word.Length > 0 && !word.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'' or '\\' or ';'))
        {
            return word;
        }

        return "\"" + word.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
    }
}
