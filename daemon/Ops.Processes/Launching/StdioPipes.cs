using System.ComponentModel;
using Ops.Processes.Native;
using Ops.Supervision.Os;

namespace Ops.Processes.Launching;

/// <summary>The pipes of one launch: the child's ends go to its fds 0-2, the parent keeps the others.</summary>
internal sealed class StdioPipes
{
    private StdioPipes()
    {
    }

    /// <summary>-1 when stdin is /dev/null.</summary>
    public int StdinChild { get; private set; } = -1;

    public int StdinParent { get; private set; } = -1;

    public int StdoutChild { get; private set; } = -1;

    public int StdoutParent { get; private set; } = -1;

    public int StderrChild { get; private set; } = -1;

    public int StderrParent { get; private set; } = -1;

    /// <summary>Creates the pipes <paramref name="spec"/> needs; throws <see cref="LaunchException"/> (closing what was made).</summary>
    public static StdioPipes Create(LaunchSpec spec)
    {
        var pipes = new StdioPipes();
        try
        {
            if (spec.StandardInput is not null)
            {
                (pipes.StdinChild, pipes.StdinParent) = FileDescriptors.CreatePipe();
            }

            (pipes.StdoutParent, pipes.StdoutChild) = FileDescriptors.CreatePipe();
            (pipes.StderrParent, pipes.StderrChild) = FileDescriptors.CreatePipe();
            return pipes;
        }
        catch (Win32Exception ex)
        {
            pipes.CloseChildEnds();
            pipes.CloseParentEnds();
            throw new LaunchException($"{spec.Owner}: cannot create pipes: {ex.Message}", ex);
        }
    }

    /// <summary>Hands the parent's stdout end to its new owner; <see cref="CloseParentEnds"/> no longer closes it.</summary>
    public int TakeStdoutParent()
    {
        int fd = StdoutParent;
        StdoutParent = -1;
        return fd;
    }

    /// <summary>Hands the parent's stderr end to its new owner.</summary>
    public int TakeStderrParent()
    {
        int fd = StderrParent;
        StderrParent = -1;
        return fd;
    }

    /// <summary>Hands the parent's stdin end to its new owner.</summary>
    public int TakeStdinParent()
    {
        int fd = StdinParent;
        StdinParent = -1;
        return fd;
    }

    public void CloseChildEnds()
    {
        FileDescriptors.Close(StdinChild);
        FileDescriptors.Close(StdoutChild);
        FileDescriptors.Close(StderrChild);
        StdinChild = StdoutChild = StderrChild = -1;
    }

    public void CloseParentEnds()
    {
        FileDescriptors.Close(StdinParent);
        FileDescriptors.Close(StdoutParent);
        FileDescriptors.Close(StderrParent);
        StdinParent = StdoutParent = StderrParent = -1;
    }
}
