using System.CommandLine;
using Ops.Daemon.Configuration;
using Ops.Daemon.Hosting;
using Ops.Daemon.Service;

namespace Ops.Daemon.CommandLine;

/// <summary>opsd's command line: run the daemon, validate a config, install the service.</summary>
public static class DaemonCommandLine
{
    /// <summary>Exit code for a bad configuration or refused command.</summary>
    public const int Failed = 1;

    /// <summary>Parses <paramref name="args"/> and runs the chosen command.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var config = new Option<string?>("--config", "-c")
        {
            Description = $"Config file (default: ${ConfigSources.ConfigEnvironmentVariable}, else {ConfigSources.SystemConfigPath} when present, else the demo config shipped with opsd)",
        };

        var root = new RootCommand("opsd: supervises programs and runs tasks. Without a command it runs the daemon.");
        root.Options.Add(config);
        root.SetAction((result, _) => DaemonRunner.RunAsync(result.GetValue(config)));

        var validateConfig = new Option<string?>("--config", "-c") { Description = "Config file to check" };
        var validate = new Command("validate", "Check a config file and list every error with its key path (exit 1 on errors)");
        validate.Options.Add(validateConfig);
        validate.SetAction(result => Validate(result.GetValue(validateConfig)));
        root.Subcommands.Add(validate);
        root.Subcommands.Add(TokenCommand.Create());
        root.Subcommands.Add(ServiceCommand.Create());

        // The host handles SIGTERM/SIGINT itself and must be given the time to stop every program.
        var invocation = new InvocationConfiguration { ProcessTerminationTimeout = null };
        return await root.Parse(args).InvokeAsync(invocation);
    }

    private static int Validate(string? path)
    {
        var load = ConfigLoad.Load(path, checkCommands: true);

        // Warnings alone do not fail: they name what may go wrong where this machine differs from the daemon's.
        load.WriteWarnings(Console.Error);
        var errors = load.Errors.Concat(load.CommandErrors).ToList();
        if (errors.Count > 0)
        {
            load.WriteErrors(Console.Error, errors, string.Empty, count => $"{load.Path}: {count} error(s)");
            return Failed;
        }

        var programs = load.Settings!.Programs;
        var warned = load.Warnings.Count == 0 ? string.Empty : $", {load.Warnings.Count} warning(s)";
        Console.WriteLine($"{load.Path}: valid ({programs.Count} program(s), {programs.Sum(p => p.Instances)} instance(s){warned})");
        return 0;
    }
}
