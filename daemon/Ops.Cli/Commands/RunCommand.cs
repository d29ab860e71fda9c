using System.CommandLine;
using System.Text.Json;
using Ops.Cli.Api;
using Ops.Cli.CommandLine;
using Spectre.Console;

namespace Ops.Cli.Commands;

/// <summary><c>opsctl run TASK [-- ARGS]</c>: one run of a configured task, with extra arguments when the task allows them.</summary>
public static class RunCommand
{
    /// <summary>The command.</summary>
    public static Command Create(GlobalOptions global)
    {
        var task = new Argument<string>("TASK") { Description = "A task configured under Ops:Tasks" };
        var args = new Argument<string[]>("ARGS") { Description = "Arguments added to the task's Args (needs AllowArgs); put them after --", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("run", "Run a task once; prints the job id (follow it with 'opsctl job ID')");
        command.Arguments.Add(task);
        command.Arguments.Add(args);
        command.SetAction((result, ct) => global.RunAsync(result, ct, session => RunAsync(session, result.GetRequiredValue(task), result.GetValue(args) ?? [], ct)));
        return command;
    }

    private static async Task<int> RunAsync(Session session, string task, string[] args, CancellationToken ct)
    {
        var body = args.Length == 0 ? "{}" : $"{{\"args\":{JsonSerializer.Serialize(args, ApiJson.Default.StringArray)}}}";
        var answer = await session.Client.PostAsync(ApiPaths.Runs(task), body, ct);
        if (session.Json)
        {
            session.Terminal.WriteJson(answer.Body);
            return ExitCodes.Ok;
        }

        foreach (var id in answer.Read(ApiJson.Default.RunAccepted).JobIds)
        {
            session.Terminal.Out.WriteLine($"enqueued: task {task}, job {id}");
        }

        return ExitCodes.Ok;
    }
}
