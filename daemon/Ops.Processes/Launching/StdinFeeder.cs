using System.Text;
using Microsoft.Extensions.Logging;
using Ops.Processes.Pipes;

namespace Ops.Processes.Launching;

/// <summary>Writes a child's stdin text in the background, then closes the pipe so the child sees end of input.</summary>
internal static partial class StdinFeeder
{
    /// <summary>Feeds <paramref name="text"/>; never throws (a child that exits without reading is not an error).</summary>
    public static async Task RunAsync(NonBlockingPipe pipe, string text, string program, int instance, int pid, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            // A child that stops reading before the end, or exits, is its own business: EPIPE ends the feed quietly.
            _ = await pipe.WriteAllAsync(Encoding.UTF8.GetBytes(text), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The process handle was disposed: stop feeding.
        }
        catch (IOException ex)
        {
            LogFeedFailed(logger, ex, program, instance, pid);
        }
        finally
        {
            pipe.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing stdin of {Program}:{Instance} (pid {Pid}) failed")]
    private static partial void LogFeedFailed(ILogger logger, Exception exception, string program, int instance, int pid);
}
