using System.CommandLine;
using Ops.Cli.Api;
using Ops.Cli.CommandLine;
using Spectre.Console;

namespace Ops.Cli.Commands;

/// <summary><c>opsctl reload [--dry-run]</c>: opsd re-reads its config and shows (or applies) the difference.</summary>
public static class ReloadCommand
{
    /// <summary>Applying restarts the changed programs, each within its StopTimeout: allow for that.</summary>
    private static readonly TimeSpan ApplyTimeout = TimeSpan.FromMinutes(2);

    /// <summary>The command.</summary>
    public static Command Create(GlobalOptions global)
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "Only show what would change" };
        var command = new Command("reload", "Re-read opsd's config: add, remove and restart the programs that changed");
        command.Options.Add(dryRun);
        command.SetAction((result, ct) => global.RunAsync(result, ct, session => RunAsync(session, result.GetValue(dryRun), ct)));
        return command;
    }

    private static async Task<int> RunAsync(Session session, bool dryRun, CancellationToken ct)
    {
        var answer = await session.Client.PostAsync(ApiPaths.Reload(dryRun), null, ct, ApplyTimeout);
        if (session.Json)
        {
            session.Terminal.WriteJson(answer.Body);
            return ExitCodes.Ok;
        }

        var diff = answer.Read(ApiJson.Default.ReloadDiff);
        var console = session.Terminal.Out;
        var changes = (diff.Added?.Count ?? 0) + (diff.Removed?.Count ?? 0) + (diff.Changed?.Count ?? 0);
        console.WriteLine((changes, dryRun) switch
        {
            (0, _) => "No program changes: the config matches what runs.",
            (_, true) => "Dry run, nothing changed. A reload would:",
            _ => "Reloaded:",
        });
        Write(console, dryRun ? "add" : "added", "+", Color.Green, diff.Added);
        Write(console, dryRun ? "remove" : "removed", "-", Color.Red, diff.Removed);
        foreach (var program in diff.Changed ?? [])
        {
            var fields = diff.ChangedFields?.GetValueOrDefault(program) is { Count: > 0 } changed ? $" ({string.Join(", ", changed)})" : string.Empty;
            Write(console, dryRun ? "restart" : "restarted", "~", Color.Yellow, [program + fields]);
        }

        Write(console, "unchanged", "=", Color.Grey, diff.Unchanged);
        foreach (var key in diff.RestartRequired ?? [])
        {
            session.Terminal.Warn($"{key}: takes effect only when opsd restarts");
        }

        foreach (var warning in diff.Warnings ?? [])
        {
            session.Terminal.Warn(warning);
        }

        return ExitCodes.Ok;
    }

    private static void Write(IAnsiConsole console, string what, string sign, Color color, IReadOnlyList<string>? programs)
    {
        if (programs is { Count: > 0 })
        {
            console.Write(new Text($"  {sign} {what}: {string.Join(", ", programs)}{Environment.NewLine}", new Style(color)));
        }
    }
}
