using System.CommandLine;
using System.Text.Json;
using Ops.Cli.Api;
using Ops.Cli.CommandLine;
using Ops.Cli.Output;
using Spectre.Console;

namespace Ops.Cli.Commands;

/// <summary><c>opsctl status [NAME]</c>: a table of instances with their state, pid, uptime, restarts and last exit.</summary>
public static class StatusCommand
{
    /// <summary>The command.</summary>
    public static Command Create(GlobalOptions global)
    {
        var name = new Argument<string?>("NAME") { Description = "A program (web) or an instance (web:1); every instance when left out or all", Arity = ArgumentArity.ZeroOrOne };
        name.Validators.Add(Values.Target(allowAll: true));
        var host = new Option<string?>("--host") { Description = "Only the instances on this host", HelpName = "H" };
        var command = new Command("status", "Show the state of program instances (on every host)");
        command.Arguments.Add(name);
        command.Options.Add(host);
        command.SetAction((result, ct) => global.RunAsync(result, ct, session =>
            RunAsync(session, result.GetValue(name) is "all" ? null : result.GetValue(name), result.GetValue(host), ct)));
        return command;
    }

    private static async Task<int> RunAsync(Session session, string? name, string? host, CancellationToken ct)
    {
        var answer = await session.Client.GetAsync(name is null ? ApiPaths.Programs() : ApiPaths.Programs(name, host), ct);
        if (name is null && host is not null)
        {
            // The list of every instance takes no host; keep that host's elements, each exactly as opsd sent it.
            answer = answer with { Body = OnHost(answer, host) };
        }

        if (session.Json)
        {
            session.Terminal.WriteJson(answer.Body);
            return ExitCodes.Ok;
        }

        var instances = answer.Read(ApiJson.Default.ListProgramInstance);
        if (instances.Count == 0)
        {
            session.Terminal.Out.WriteLine(host is null ? "No programs are configured." : $"No programs on host {host}.");
            return ExitCodes.Ok;
        }

        var table = session.Terminal.NewTable("NAME", "HOST", "STATE", "PID", "UPTIME", "RESTARTS", "LAST EXIT", "REASON");
        var now = DateTimeOffset.Now;
        foreach (var i in instances.OrderBy(i => i.Name, StringComparer.Ordinal).ThenBy(i => i.Instance).ThenBy(i => i.Host, StringComparer.Ordinal))
        {
            table.AddRow(
                Styles.Plain(i.Target),
                Styles.Plain(i.Host),
                State(i),
                Styles.Plain(i.Pid?.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                Styles.Plain(i.Pid is null ? Formats.None : Formats.Duration(now - i.Since)),
                Styles.Plain(i.Restarts.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                Styles.Plain(Formats.Exit(i.LastExitCode, i.LastSignal)),
                Styles.Plain(i.Reason));
        }

        session.Terminal.Write(table);
        return ExitCodes.Ok;
    }

    private static string OnHost(ApiAnswer answer, string host)
    {
        try
        {
            using var document = JsonDocument.Parse(answer.Body);
            var kept = document.RootElement.EnumerateArray()
                .Where(e => e.TryGetProperty("host", out var h) && h.ValueKind == JsonValueKind.String && h.GetString() == host)
                .Select(e => e.GetRawText());
            return $"[{string.Join(',', kept)}]";
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw new UnexpectedAnswerException(answer.Status, $"not a JSON array of instances: {ApiAnswer.Snippet(answer.Body)}");
        }
    }

    /// <summary>The state, flagged when a health check fails.</summary>
    internal static Text State(ProgramInstance instance) =>
        instance.Healthy == false
            ? Styles.Styled($"{instance.State} (unhealthy)", new Style(Color.Orange1))
            : Styles.Styled(instance.State, Styles.ProgramState(instance.State));
}
