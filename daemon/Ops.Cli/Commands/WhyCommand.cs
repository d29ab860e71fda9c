using System.CommandLine;
using System.Globalization;
using Ops.Cli.Api;
using Ops.Cli.CommandLine;
using Ops.Cli.Output;
using Spectre.Console;

namespace Ops.Cli.Commands;

/// <summary>
/// <c>opsctl why NAME</c>, the "why is it not running" view: each instance's state now, its transitions newest
/// first with reasons, exits and backoff delays, and the last stderr lines of its latest exit.
/// </summary>
public static class WhyCommand
{
    private const int DefaultTransitions = 20;

    /// <summary>The command.</summary>
    public static Command Create(GlobalOptions global)
    {
        var name = new Argument<string>("NAME") { Description = "A program (web) or an instance (web:1)" };
        name.Validators.Add(Values.Target(allowAll: false));
        var limit = new Option<int?>("--limit", "-n")
        {
            Description = $"Transitions to show (default {DefaultTransitions}; --json gives them all)",
            CustomParser = Values.Int("--limit", 1, int.MaxValue),
            HelpName = "N",
        };
        var command = new Command("why", "Explain a program's state: its transitions, exits, backoff delays and last stderr lines");
        command.Arguments.Add(name);
        command.Options.Add(limit);
        command.SetAction((result, ct) => global.RunAsync(result, ct, session => RunAsync(session, result.GetRequiredValue(name), result.GetValue(limit) ?? DefaultTransitions, ct)));
        return command;
    }

    private static async Task<int> RunAsync(Session session, string name, int limit, CancellationToken ct)
    {
        var instancesAnswer = session.Client.GetAsync(ApiPaths.Programs(name), ct);
        var historyAnswer = session.Client.GetAsync(ApiPaths.History(name), ct);
        var (instancesJson, historyJson) = (await instancesAnswer, await historyAnswer);
        if (session.Json)
        {
            // Two answers, each verbatim, in one document.
            session.Terminal.WriteJson($"{{\"instances\":{instancesJson.Body.Trim()},\"history\":{historyJson.Body.Trim()}}}");
            return ExitCodes.Ok;
        }

        var instances = instancesJson.Read(ApiJson.Default.ListProgramInstance);
        var history = historyJson.Read(ApiJson.Default.ListTransition);
        var console = session.Terminal.Out;
        var program = instances.FirstOrDefault()?.Name ?? name;
        var now = DateTimeOffset.Now;

        foreach (var instance in instances.OrderBy(i => i.Instance))
        {
            console.Write(Styles.Plain(instance.Target));
            console.Write(new Text(" is "));
            console.Write(StatusCommand.State(instance));
            var facts = new List<string> { $"for {Formats.Duration(now - instance.Since)} (since {Formats.Time(instance.Since)})" };
            if (instance.Pid is { } pid)
            {
                facts.Add($"pid {pid}");
            }

            facts.Add($"{instance.Restarts} restart(s)");
            if (Formats.Exit(instance.LastExitCode, instance.LastSignal) is var exit && exit != Formats.None)
            {
                facts.Add($"last {exit}");
            }

            if (!string.IsNullOrEmpty(instance.Reason))
            {
                facts.Add($"reason: {instance.Reason}");
            }

            console.WriteLine(" " + string.Join(", ", facts));
        }

        console.WriteLine();
        if (history.Count == 0)
        {
            console.WriteLine("No transitions recorded yet.");
            return ExitCodes.Ok;
        }

        var shown = history.Take(limit).ToList();
        console.WriteLine(shown.Count < history.Count ? $"Transitions, newest first ({shown.Count} of {history.Count}; -n for more):" : "Transitions, newest first:");
        var table = session.Terminal.NewTable("AT", "INSTANCE", "FROM", "TO", "REASON", "PID", "EXIT", "DELAY");
        foreach (var t in shown)
        {
            table.AddRow(
                Styles.Plain(Formats.Time(t.At)),
                Styles.Plain($"{program}:{t.Instance}"),
                Styles.Styled(t.From, Styles.ProgramState(t.From)),
                Styles.Styled(t.To, Styles.ProgramState(t.To)),
                Styles.Plain(t.Reason),
                Styles.Plain(t.Pid?.ToString(CultureInfo.InvariantCulture)),
                Styles.Plain(Formats.Exit(t.ExitCode, t.Signal)),
                Styles.Plain(Formats.Delay(t.DelayMs)));
        }

        session.Terminal.Write(table);
        WriteLatestStderr(console, program, history);
        return ExitCodes.Ok;
    }

    /// <summary>For each instance, the stderr lines opsd kept with its newest exit.</summary>
    private static void WriteLatestStderr(IAnsiConsole console, string program, IReadOnlyList<Transition> history)
    {
        var latestExits = history
            .Where(t => t.ExitCode is not null || t.Signal is not null)
            .GroupBy(t => t.Instance)
            .Select(g => g.First()) // newest first
            .OrderBy(t => t.Instance);
        foreach (var exit in latestExits)
        {
            console.WriteLine();
            console.WriteLine($"Last stderr lines of {program}:{exit.Instance} before its {Formats.Exit(exit.ExitCode, exit.Signal)} at {Formats.Time(exit.At)}:");
            if (exit.StderrTail is not { Count: > 0 } lines)
            {
                console.Write(Styles.Dim("  (none)" + Environment.NewLine));
                continue;
            }

            foreach (var line in lines)
            {
                console.Write(new Text($"  {line}{Environment.NewLine}", new Style(Color.Red)));
            }
        }
    }
}
