using System.ComponentModel;
using Ops.Supervision;

namespace Ops.Jobs.Hosts;

/// <summary>The Hangfire job that carries an operator command to the host owning the program (via its host queue).</summary>
public sealed class HostCommandJob(ISupervisor supervisor)
{
    /// <summary>Runs start/stop/restart of <paramref name="target"/> on this host; fails when the supervisor refuses.</summary>
    [DisplayName("{0} {1}")]
    public async Task RunAsync(string kind, string target)
    {
        var result = await supervisor.SendAsync(Enum.Parse<CommandKind>(kind, ignoreCase: true), target, CancellationToken.None);
        if (result.Status != CommandStatus.Accepted)
        {
            throw new InvalidOperationException($"{kind} {target} refused: {result.Message}");
        }
    }
}
