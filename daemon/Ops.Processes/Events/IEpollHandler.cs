namespace Ops.Processes.Events;

/// <summary>Receives readiness of one descriptor registered with an <see cref="EpollLoop"/>.</summary>
internal interface IEpollHandler
{
    /// <summary>
    /// Called on the loop's thread with the epoll event bits. Must be quick and must not block: complete a task
    /// whose continuations run elsewhere (or only do a few cheap steps here) and return, so one child can never
    /// delay another's events.
    /// </summary>
    void OnReady(ulong token, uint events);
}
