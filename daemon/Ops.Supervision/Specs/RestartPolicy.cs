namespace Ops.Supervision.Specs;

/// <summary>When a process that reached Running is started again after it exits.</summary>
public enum RestartPolicy
{
    /// <summary>Restart unless the exit code is one of SuccessExitCodes.</summary>
    OnFailure,

    /// <summary>Restart after every exit.</summary>
    Always,

    /// <summary>Never restart; the instance ends Exited.</summary>
    Never,
}
