using Ops.Benchmarks.Infrastructure;
using Ops.Benchmarks.Supervisors;

namespace Ops.Benchmarks.Scenarios.RestartLatency;

/// <summary>supervisord with one program running the child, autorestart=true, startsecs=0.</summary>
internal sealed class SupervisordRespawner : Respawner
{
    private static readonly TimeSpan ApiTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(15);

    private readonly Supervisord _supervisord;

    private SupervisordRespawner(Supervisord supervisord)
        : base(supervisord.Process) => _supervisord = supervisord;

    public static SupervisordRespawner Start(string executable, string childScript, string workDirectory, ProcessJanitor janitor) =>
        new(Supervisord.Start(executable, workDirectory, [new SupervisordProgram("child", $"/bin/sh -c \"{childScript}\"")], janitor));

    public override Task WaitReadyAsync(int childPid, CancellationToken cancellationToken) =>
        _supervisord.WaitForAsync(all => all.Any(p => p.IsRunning && p.Pid == childPid), $"RUNNING with pid {childPid}", ApiTimeout, cancellationToken);

    public override async Task<string?> CheckAfterAsync(int childPid, int kills, CancellationToken cancellationToken)
    {
        var version = await _supervisord.VersionAsync(cancellationToken);
        await WaitReadyAsync(childPid, cancellationToken);
        return $"supervisord {version}: RUNNING with pid {childPid} after the run";
    }

    public override async Task<string?> StopAsync()
    {
        var (exitCode, took) = await Process.StopAsync(StopTimeout);
        return StopNote("supervisord", exitCode, took);
    }

    public override void Dispose() => _supervisord.Dispose();
}
