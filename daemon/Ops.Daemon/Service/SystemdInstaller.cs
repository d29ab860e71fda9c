namespace Ops.Daemon.Service;

/// <summary>
/// Writes, enables and removes opsd.service. With a running systemd it goes through systemctl (daemon-reload,
/// enable --now, disable --now). Without one (a container, a chroot, a --root scratch directory) it does what
/// `systemctl enable` does offline for a WantedBy=multi-user.target unit, the wants symlink, and says that
/// nothing was started.
/// </summary>
internal sealed class SystemdInstaller(TextWriter output, TextWriter errors, Func<bool>? systemdRunning = null) : IServiceInstaller
{
    private const string SystemctlTool = "systemctl";
    private const string WantsDirectory = SystemdUnit.Directory + "/multi-user.target.wants";
    private const string UnitPath = SystemdUnit.Directory + "/" + SystemdUnit.Name;

    private readonly Func<bool> _systemdRunning = systemdRunning ?? (() => System.IO.Directory.Exists("/run/systemd/system"));

    /// <summary>Prints the unit for <paramref name="request"/>; 1 when the config cannot be installed.</summary>
    public int Print(ServiceRequest request)
    {
        var spec = Plan(request);
        if (spec is null)
        {
            return 1;
        }

        output.Write(SystemdUnit.Render(spec));
        return 0;
    }

    /// <summary>Writes and enables the unit; starts it when systemd runs.</summary>
    public int Install(ServiceRequest request)
    {
        var spec = Plan(request);
        if (spec is null)
        {
            return 1;
        }

        var unitFile = request.OnThisMachine(UnitPath);
        var text = SystemdUnit.Render(spec);
        var changed = !File.Exists(unitFile) || File.ReadAllText(unitFile) != text;
        if (changed)
        {
            WriteAtomically(unitFile, text);
            output.WriteLine($"wrote {unitFile} (TimeoutStopSec={SystemdUnit.StopTimeoutSeconds(spec)})");
        }
        else
        {
            output.WriteLine($"{unitFile} is up to date");
        }

        if (request.Root is not null || !_systemdRunning())
        {
            LinkWants(request);
            output.WriteLine($"enabled {SystemdUnit.Name} for multi-user.target ({request.OnThisMachine(WantsDirectory)})");
            if (request.Root is null)
            {
                output.WriteLine($"systemd is not running here (no /run/systemd/system): skipped `systemctl daemon-reload` and start; opsd starts at the next boot with systemd. To run it now without systemd: {string.Join(' ', spec.ExecStart)} --config {spec.ConfigPath}");
            }

            return 0;
        }

        var wasActive = Systemctl("is-active", "--quiet", SystemdUnit.Name).ExitCode == 0;
        if (!Run("daemon-reload") || !Run("enable", "--now", SystemdUnit.Name))
        {
            errors.WriteLine($"see `systemctl status {SystemdUnit.Name}` and `journalctl -u {SystemdUnit.Name}`");
            return 1;
        }

        output.WriteLine(wasActive && changed
            ? $"{SystemdUnit.Name} is enabled and still runs with the previous unit: `systemctl restart opsd` applies the new one (it restarts every program)"
            : $"{SystemdUnit.Name} is enabled and running");
        return 0;
    }

    /// <summary>Stops, disables and removes the unit; drop-ins (opsd.service.d) are the operator's and stay.</summary>
    public int Uninstall(ServiceRequest request)
    {
        var unitFile = request.OnThisMachine(UnitPath);
        var online = request.Root is null && _systemdRunning();
        if (!File.Exists(unitFile))
        {
            UnlinkWants(request);
            output.WriteLine($"{SystemdUnit.Name} is not installed ({unitFile} does not exist): nothing to do");
            return 0;
        }

        if (online && !Run("disable", "--now", SystemdUnit.Name))
        {
            return 1;
        }

        UnlinkWants(request);
        File.Delete(unitFile);
        output.WriteLine($"removed {unitFile}");
        if (online)
        {
            Run("daemon-reload");
        }
        else if (request.Root is null)
        {
            output.WriteLine("systemd is not running here (no /run/systemd/system): skipped `systemctl disable --now` and `daemon-reload`; stop a directly started opsd yourself");
        }

        return 0;
    }

    private UnitSpec? Plan(ServiceRequest request)
    {
        var spec = UnitPlanner.Plan(request, out var problems);
        if (spec is null)
        {
            errors.WriteLine($"opsd service: {request.OnThisMachine(request.ConfigPath)} cannot be installed as a service:");
            foreach (var problem in problems)
            {
                errors.WriteLine(problem);
            }
        }

        return spec;
    }

    private void LinkWants(ServiceRequest request)
    {
        var link = Path.Join(request.OnThisMachine(WantsDirectory), SystemdUnit.Name);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(link)!);
        var existing = new FileInfo(link);
        if (existing.LinkTarget == UnitPath)
        {
            return;
        }

        if (existing.Exists || existing.LinkTarget is not null)
        {
            existing.Delete();
        }

        // The target is the path on the target system, as `systemctl --root` writes it.
        File.CreateSymbolicLink(link, UnitPath);
    }

    private static void UnlinkWants(ServiceRequest request)
    {
        var link = new FileInfo(Path.Join(request.OnThisMachine(WantsDirectory), SystemdUnit.Name));
        if (link.Exists || link.LinkTarget is not null)
        {
            link.Delete();
        }
    }

    private static void WriteAtomically(string path, string text)
    {
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, text);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        File.Move(temporary, path, overwrite: true);
    }

    private bool Run(params string[] arguments)
    {
        var (code, said) = Systemctl(arguments);
        if (code == 0)
        {
            return true;
        }

        errors.WriteLine($"`{ExternalCommand.Describe(SystemctlTool, arguments)}` failed (exit {code}): {said}");
        return false;
    }

    private static (int ExitCode, string Output) Systemctl(params string[] arguments) => ExternalCommand.Run(SystemctlTool, arguments);
}
