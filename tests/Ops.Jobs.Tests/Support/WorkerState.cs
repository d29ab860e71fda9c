using Hangfire.States;

namespace Ops.Jobs.Tests.Support;

/// <summary>
/// The Processing state a worker sets when it takes a job (Hangfire's ProcessingState cannot be made outside
/// Hangfire): the same name and data, so filters see the job as a worker leaves it.
/// </summary>
internal sealed class WorkerState : IState
{
    public string Name => ProcessingState.StateName;

    public string? Reason => null;

    public bool IsFinal => false;

    public bool IgnoreJobLoadException => false;

    public Dictionary<string, string> SerializeData() => new() { ["ServerId"] = "test-server", ["WorkerId"] = "test-worker" };
}
