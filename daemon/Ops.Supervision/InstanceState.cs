namespace Ops.Supervision;

/// <summary>The states of one program instance (supervisord's names).</summary>
public enum InstanceState
{
    Stopped,
    Starting,
    Running,
    Backoff,
    Stopping,
    Exited,
    Fatal,
}
