using System.Buffers;
using Microsoft.Extensions.Logging;
using Ops.Processes.Pipes;

namespace Ops.Processes.Output;

/// <summary>
/// Moves one child stream from its pipe into an <see cref="OutputChannel"/> until end of stream. Between reads no
/// thread is held (the pipe awaits epoll); while data keeps coming the pump works through it on a pool thread,
/// writing each batch to the file before reading on, so a child that floods faster than the disk takes it fills
/// its own pipe and blocks itself, and nobody else.
/// </summary>
internal static partial class OutputPump
{
    private const int ReadSize = 64 * 1024;

    // A flood never waits on the pipe; yielding now and then lets other pool work run on this thread.
    private const int ReadsBeforeYield = 16;

    /// <summary>
    /// Pumps until end of stream, then closes the pipe and detaches from the channel. Never throws. Lines are masked
    /// with the secrets <paramref name="secrets"/> answers at each read, so a reload's new secrets apply from the next.
    /// </summary>
    public static async Task RunAsync(NonBlockingPipe pipe, OutputChannel channel, int pid, Func<OutputSecrets> secrets, ILogger logger)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ReadSize);
        var splitter = new LineSplitter();
        var lines = new List<string>();
        try
        {
            int readsWithoutWaiting = 0;
            while (true)
            {
                ValueTask<int> pending = pipe.ReadAsync(buffer.AsMemory(0, ReadSize));
                readsWithoutWaiting = pending.IsCompleted ? readsWithoutWaiting + 1 : 0;
                int read = await pending.ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                splitter.Push(buffer.AsSpan(0, read), lines, secrets());
                Deliver(channel, lines, pid);
                if (readsWithoutWaiting >= ReadsBeforeYield)
                {
                    readsWithoutWaiting = 0;
                    await Task.Yield();
                }
            }

            splitter.Flush(lines, secrets());
            Deliver(channel, lines, pid);
        }
#pragma warning disable CA1031 // a pump must end quietly: its failure is logged, never thrown into the supervisor
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogPumpFailed(logger, ex, channel.Owner.LogName, channel.Owner.Index, pid, channel.Stream.ToString());
        }
        finally
        {
            pipe.Dispose();
            channel.Detach();
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void Deliver(OutputChannel channel, List<string> lines, int pid)
    {
        if (lines.Count > 0)
        {
            channel.Append(lines, pid);
            lines.Clear();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Reading {Stream} of {Program}:{Instance} (pid {Pid}) failed; its further output is lost")]
    private static partial void LogPumpFailed(ILogger logger, Exception exception, string program, int instance, int pid, string stream);
}
