using System.CommandLine;
using Ops.Daemon.Configuration;

namespace Ops.Daemon.Service;

/// <summary>`opsd service install|uninstall|print`: systemd on Linux, the service control manager on Windows.</summary>
public static class ServiceCommand
{
    /// <summary>The `service` command with its three subcommands.</summary>
    public static Command Create()
    {
        var service = new Command("service", "Install opsd as a system service (systemd on Linux, a Windows service on Windows), remove it, or print the unit");
        service.Subcommands.Add(Subcommand("install", "Write and enable the service and start it (where the service manager runs)", (installer, request) => installer.Install(request)));
        service.Subcommands.Add(Subcommand("uninstall", "Stop, disable and remove the service", (installer, request) => installer.Uninstall(request)));
        service.Subcommands.Add(Subcommand("print", "Print the systemd unit (on Windows: the sc.exe calls) without installing anything", (installer, request) => installer.Print(request)));
        return service;
    }

    private static Command Subcommand(string name, string description, Func<IServiceInstaller, ServiceRequest, int> action)
    {
        var config = new Option<string?>("--config", "-c")
        {
            Description = $"The config file the service runs opsd with (default: ${ConfigSources.ConfigEnvironmentVariable}, else {ConfigSources.SystemConfigPath})",
        };
        var user = new Option<string?>("--user") { Description = "Run opsd as this user (default root, which programs with a User need)" };
        var root = new Option<string?>("--root")
        {
            Description = "Treat this directory as / (like systemctl --root): read the config and write the unit below it; nothing is started",
        };
        var exec = new Option<string?>("--exec") { Description = "The opsd executable the service starts (default: this one)" };

        var command = new Command(name, description) { config, user, root, exec };
        command.SetAction(result =>
        {
            var request = ServiceRequest.Create(result.GetValue(config), result.GetValue(user), result.GetValue(root), result.GetValue(exec), out var error);
            if (request is null)
            {
                Console.Error.WriteLine($"opsd service {name}: {error}");
                return 2;
            }

            return action(ForThisPlatform(request), request);
        });
        return command;
    }

    /// <summary>Windows' service control manager on Windows (unless a --root asks for a systemd tree), else systemd.</summary>
    private static IServiceInstaller ForThisPlatform(ServiceRequest request) =>
        OperatingSystem.IsWindows() && request.Root is null
            ? new WindowsServiceInstaller(Console.Out, Console.Error)
            : new SystemdInstaller(Console.Out, Console.Error);
}
