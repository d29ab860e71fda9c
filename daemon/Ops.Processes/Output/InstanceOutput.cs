using Ops.Supervision.Os;

namespace Ops.Processes.Output;

/// <summary>The stdout and stderr channels of one instance.</summary>
internal sealed class InstanceOutput(OutputChannel stdout, OutputChannel stderr)
{
    public OutputChannel Stdout { get; } = stdout;

    public OutputChannel Stderr { get; } = stderr;

    public OutputChannel Get(OutputStream stream) => stream == OutputStream.Stderr ? Stderr : Stdout;
}
