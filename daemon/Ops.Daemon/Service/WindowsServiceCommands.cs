using System.Text;

namespace Ops.Daemon.Service;

/// <summary>
/// The sc.exe command lines that register opsd as a Windows service (the host runs under the service control
/// manager through UseWindowsService). Pure, so they are tested on any platform; <see cref="WindowsServiceInstaller"/>
/// runs them.
/// </summary>
public static class WindowsServiceCommands
{
    /// <summary>The service name, as `sc.exe query opsd` knows it.</summary>
    public const string ServiceName = "opsd";

    /// <summary>The tool that talks to the service control manager.</summary>
    public const string Tool = "sc.exe";

    private const string DisplayName = "Ops daemon";
    private const string Description = "Ops daemon (opsd): supervises programs and runs tasks";

    /// <summary>
    /// Restart 5 s after each failure; the failure count resets after 10 minutes without one. With failureflag 1
    /// the actions also apply when opsd exits with an error, not only when it crashes: systemd's Restart=on-failure.
    /// </summary>
    private const string RestartActions = "restart/5000/restart/5000/restart/5000";
    private const string ResetFailuresAfterSeconds = "600";

    /// <summary>create, description, failure actions, failure flag, start: the argv of each sc.exe call, in order.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> Install(IReadOnlyList<string> execStart, string configPath, string? user)
    {
        ArgumentNullException.ThrowIfNull(execStart);
        var create = new List<string>
        {
            "create", ServiceName,
            "binPath=", BinaryPath(execStart, configPath),
            "start=", "delayed-auto",
            "DisplayName=", DisplayName,
        };
        if (user is not null)
        {
            create.AddRange(["obj=", user]);
        }

        return
        [
            create,
            ["description", ServiceName, Description],
            ["failure", ServiceName, "reset=", ResetFailuresAfterSeconds, "actions=", RestartActions],
            ["failureflag", ServiceName, "1"],
            ["start", ServiceName],
        ];
    }

    /// <summary>stop (fails harmlessly when not running), then delete.</summary>
    public static IReadOnlyList<IReadOnlyList<string>> Uninstall() =>
    [
        ["stop", ServiceName],
        ["delete", ServiceName],
    ];

    /// <summary>The service's command line, as the SCM stores it: each word quoted by the Windows rules.</summary>
    public static string BinaryPath(IReadOnlyList<string> execStart, string configPath)
    {
        ArgumentNullException.ThrowIfNull(execStart);
        return string.Join(' ', execStart.Append("--config").Append(configPath).Select(Quote));
    }

    /// <summary>One call as it is typed at a cmd.exe or PowerShell prompt.</summary>
    public static string Render(IReadOnlyList<string> arguments)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        return string.Join(' ', arguments.Prepend(Tool).Select(Quote));
    }

    /// <summary>
    /// Quotes one word so that CommandLineToArgvW (and the C runtime sc.exe uses) reads it back unchanged:
    /// backslashes are literal except before a quote, where they are doubled, and the quote is escaped.
    /// </summary>
    public static string Quote(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        if (word.Length > 0 && !word.Any(c => c is ' ' or '\t' or '"'))
        {
            return word;
        }

        var quoted = new StringBuilder("\"");
        var backslashes = 0;
        foreach (var c in word)
        {
            if (c == '\\')
            {
                backslashes++;
                continue;
            }

            // Backslashes before a quote escape it; double them so they stay backslashes, then escape the quote.
            quoted.Append('\\', c == '"' ? (backslashes * 2) + 1 : backslashes);
            quoted.Append(c);
            backslashes = 0;
        }

        // Trailing backslashes sit before the closing quote: double them too.
        quoted.Append('\\', backslashes * 2);
        return quoted.Append('"').ToString();
    }
}
