namespace Ops.Cli.Commands.Submit;

/// <summary>How far a batch of jobs has come.</summary>
public sealed record JobCounts(int Total, int Succeeded, int Failed, int Deleted)
{
    /// <summary>Jobs in a final state.</summary>
    public int Done => Succeeded + Failed + Deleted;

    /// <summary>Jobs that finished without succeeding.</summary>
    public int NotSucceeded => Failed + Deleted;
}
