using System.CommandLine;
using Ops.Cli.Api;
using Ops.Cli.CommandLine;
using Spectre.Console;

namespace Ops.Cli.Commands;

/// <summary><c>opsctl start|stop|restart NAME</c>: asks opsd to act; opsd answers 202 at once and acts in its loop.</summary>
public static class ControlCommands
{
    /// <summary>The verbs, which are also the API's route names.</summary>
    public static IReadOnlyList<string> Verbs { get; } = ["start", "stop", "restart"];

    /// <summary>The command for one verb.</summary>
    public static Command Create(GlobalOptions global, string verb)
    {
        var host = new Option<string?>("--host") { Description = "The host that runs the program, when it is not the one --url names", HelpName = "H" };
        var name = new Argument<string>("NAME") { Description = "A program (web), an instance (web:1), or all" };
        name.Validators.Add(Values.Target(allowAll: true));
        var command = new Command(verb, $"{char.ToUpperInvariant(verb[0])}{verb[1..]} a program, an instance, or all programs");
        command.Arguments.Add(name);
        command.Options.Add(host);
        command.SetAction((result, ct) => global.RunAsync(result, ct, session => RunAsync(session, verb, result.GetRequiredValue(name), result.GetValue(host), ct)));
        return command;
    }

    private static async Task<int> RunAsync(Session session, string verb, string name, string? host, CancellationToken ct)
    {
        var answer = await session.Client.PostAsync(ApiPaths.Command(name, verb, host), null, ct);
        if (session.Json)
        {
            session.Terminal.WriteJson(answer.Body);
            return ExitCodes.Ok;
        }

        var accepted = answer.Read(ApiJson.Default.CommandAccepted);
        // opsd's message names what it does and what it skipped: "stop web:0, web:1; skipped web:2: ...".
        var what = string.IsNullOrEmpty(accepted.Message)
            ? $"{verb} {(accepted.Instances is { Count: > 0 } list ? string.Join(", ", list) : name)}"
            : accepted.Message;
        session.Terminal.Out.WriteLine($"accepted: {what}");
        return ExitCodes.Ok;
    }
}
