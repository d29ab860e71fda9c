using Ops.Supervision.Os;

namespace Ops.Processes.Output;

/// <summary>One line a supervised process printed.</summary>
/// <param name="Owner">The instance (or task-run slot) that printed it.</param>
/// <param name="Pid">The pid of the instance's leader (lines of grandchildren sharing the pipe carry it too).</param>
/// <param name="Stream">stdout or stderr.</param>
/// <param name="Text">The line without its line break; at most <see cref="InstanceOutputStore.MaxLineBytes"/> UTF-8 bytes.</param>
/// <param name="Timestamp">When the daemon read the line.</param>
public sealed record OutputLine(LaunchOwner Owner, int Pid, OutputStream Stream, string Text, DateTimeOffset Timestamp);
