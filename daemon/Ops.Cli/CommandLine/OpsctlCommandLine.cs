using System.CommandLine;
using System.Runtime.InteropServices;
using Ops.Cli.Commands;
using Ops.Cli.Commands.Submit;

namespace Ops.Cli.CommandLine;

/// <summary>opsctl's command line: global options, the commands, and parse errors as exit code 2.</summary>
public static class OpsctlCommandLine
{
    /// <summary>Builds the command tree.</summary>
    public static RootCommand Create()
    {
        var global = new GlobalOptions();
        var root = new RootCommand("opsctl: the operator's command line for opsd (programs, tasks, jobs)");
        global.AddTo(root);
        root.Subcommands.Add(StatusCommand.Create(global));
        foreach (var verb in ControlCommands.Verbs)
        {
            root.Subcommands.Add(ControlCommands.Create(global, verb));
        }

        root.Subcommands.Add(WhyCommand.Create(global));
        root.Subcommands.Add(TailCommand.Create(global));
        root.Subcommands.Add(ReloadCommand.Create(global));
        root.Subcommands.Add(RunCommand.Create(global));
        root.Subcommands.Add(SubmitCommand.Create(global));
        root.Subcommands.Add(JobCommands.CreateJob(global));
        root.Subcommands.Add(JobCommands.CreateJobs(global));
        return root;
    }

    /// <summary>Parses <paramref name="args"/> and runs the command; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var parsed = Create().Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // System.CommandLine would exit 1, which opsctl reserves for "opsd refused"; usage errors are 2.
            foreach (var error in parsed.Errors)
            {
                await Console.Error.WriteLineAsync($"opsctl: {error.Message}");
            }

            var help = parsed.CommandResult.Command is RootCommand ? "opsctl --help" : $"opsctl {parsed.CommandResult.Command.Name} --help";
            await Console.Error.WriteLineAsync($"Run '{help}' for usage.");
            return ExitCodes.Usage;
        }

        // Ctrl+C and SIGTERM cancel the command, which then says what it leaves behind (submit: the jobs run on)
        // and exits by itself. System.CommandLine's own handling would return 130 at once and cut that short.
        // A second signal, when the command does not stop, ends the process the default way.
        using var interrupt = new CancellationTokenSource();
        void Interrupt(PosixSignalContext context)
        {
            context.Cancel = !interrupt.IsCancellationRequested;
            interrupt.Cancel();
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);
        return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, interrupt.Token);
    }
}
