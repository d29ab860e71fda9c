namespace Ops.Supervision.Os;

/// <summary>
/// One started process and its process group (the group id is the pid). Signals always go to the whole group,
/// so grandchildren are reached too, and to the launch's processes that left the group (setsid, a double-forked
/// daemon) as far as the OS edge can tell them. Disposing releases OS handles; it never kills anything.
/// </summary>
public interface IRunningProcess : IDisposable
{
    /// <summary>The leader's pid, which is also the process group id.</summary>
    int Pid { get; }

    /// <summary>Completes once the leader has exited and been reaped. An event, never a polling tick.</summary>
    Task<ProcessExit> Exited { get; }

    /// <summary>
    /// Blocks the calling thread until <see cref="Exited"/> would complete, without spinning, for callers that own a
    /// thread anyway (a task run on its Hangfire worker). Null when <paramref name="timeout"/> passes first; throws
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> fires first.
    /// </summary>
    ProcessExit? WaitForExit(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            return Exited.Wait(timeout, cancellationToken) ? Exited.Result : null;
        }
        catch (AggregateException ex) when (ex.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerException);
            throw;
        }
    }

    /// <summary>
    /// The graceful way: sends <paramref name="signal"/> (a Linux signal number) to the whole group. A single step;
    /// stopping a launch is <see cref="StopAsync"/>.
    /// </summary>
    void Signal(int signal);

    /// <summary>The forced way: SIGKILL to the whole group.</summary>
    void Kill();

    /// <summary>True when no process of the launch is left (the leader reaped, every grandchild gone, in the group or out of it).</summary>
    bool GroupIsEmpty();

    /// <summary>Waits until the group is empty; false when <paramref name="timeout"/> passes first.</summary>
    Task<bool> WaitGroupEmptyAsync(TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>
    /// The one stop of the whole launch: <paramref name="signal"/> to the group and to the token carriers that left it,
    /// up to <paramref name="grace"/> for everything to be gone (leader reaped, group empty), then SIGKILL to what is
    /// left and bounded waits, with SIGKILL again between them, for the group to be confirmed empty. A zero grace sends
    /// no graceful signal: it kills what is left (a leader that exited and left processes behind).
    /// <paramref name="force"/> means "force now": it ends the grace early; the kill still happens and is still awaited.
    /// Never throws for what the processes do: survivors are reported in the outcome, with their pids.
    /// </summary>
    Task<StopOutcome> StopAsync(int signal, TimeSpan grace, CancellationToken force);

    /// <summary>The last <paramref name="max"/> lines the process printed on <paramref name="stream"/>, oldest first.</summary>
    IReadOnlyList<string> Tail(OutputStream stream, int max);

    /// <summary>Called once the group is confirmed empty: the orphan record of this group is removed.</summary>
    void MarkGroupEnded();
}
