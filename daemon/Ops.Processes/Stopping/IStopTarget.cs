namespace Ops.Processes.Stopping;

/// <summary>
/// What <see cref="StopSequence"/> acts on: one launch, as the running process or as an orphan record knows it
/// (its process group and the token carriers that left the group).
/// </summary>
internal interface IStopTarget
{
    /// <summary>Sends <paramref name="signal"/> to everything of the launch; never throws for processes that are gone.</summary>
    void Signal(int signal);

    /// <summary>Waits until nothing of the launch is left; false when <paramref name="timeout"/> passes first.</summary>
    Task<bool> WaitGoneAsync(TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>The pids of the launch still alive, for the report of a stop that could not end them.</summary>
    IReadOnlyList<int> Remaining();
}
