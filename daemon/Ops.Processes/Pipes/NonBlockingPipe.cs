using System.Runtime.InteropServices;
using Ops.Processes.Events;
using Ops.Processes.Native;

namespace Ops.Processes.Pipes;

/// <summary>
/// The parent's end of a child's stdio pipe, read or written without ever blocking a thread: the descriptor is
/// non-blocking, and when it would block the caller awaits a one-shot epoll registration on the shared pipe loop.
/// (.NET's AnonymousPipeClientStream cannot do this on Unix: its ReadAsync falls back to a blocking read on a
/// thread-pool thread, which would cost one thread per child stream.) One operation at a time.
/// </summary>
internal sealed class NonBlockingPipe : IEpollHandler, IDisposable
{
    private static readonly Lazy<EpollLoop> Loop = new(() => new EpollLoop("ops-pipes"));

    private readonly EpollLoop _loop;
    private readonly ulong _token;
    private int _fd;
    private TaskCompletionSource? _waiter;

    /// <summary>Takes ownership of <paramref name="fd"/> (closed here if setting it up fails) and makes it non-blocking.</summary>
    public NonBlockingPipe(int fd)
    {
        try
        {
            FileDescriptors.SetNonBlocking(fd);
            _loop = Loop.Value;

            // Registered disarmed (one-shot, no events); each wait arms it for the one event it needs.
            _token = _loop.Add(fd, LinuxConstants.EPOLLONESHOT, this);
            _fd = fd;
        }
        catch
        {
            FileDescriptors.Close(fd);
            throw;
        }
    }

    /// <summary>Reads what is available (at least one byte), waiting for data; 0 means end of stream.</summary>
    /// <exception cref="IOException">The read failed.</exception>
    public async ValueTask<int> ReadAsync(Memory<byte> buffer)
    {
        while (true)
        {
            int result = TryRead(buffer.Span, out int errno);
            if (result >= 0)
            {
                return result;
            }

            if (errno == LinuxConstants.EAGAIN)
            {
                await WaitAsync(LinuxConstants.EPOLLIN).ConfigureAwait(false);
            }
            else if (errno != LinuxConstants.EINTR)
            {
                throw new IOException("reading a child's output pipe failed: " + Errno.Describe(errno));
            }
        }
    }

    /// <summary>Writes all of <paramref name="data"/>, waiting for room; false when the reader has gone (EPIPE).</summary>
    /// <exception cref="IOException">The write failed for another reason.</exception>
    public async ValueTask<bool> WriteAllAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int written = TryWrite(data.Span, out int errno);
            if (written >= 0)
            {
                data = data[written..];
            }
            else if (errno == LinuxConstants.EPIPE)
            {
                return false;
            }
            else if (errno == LinuxConstants.EAGAIN)
            {
                await WaitAsync(LinuxConstants.EPOLLOUT).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            else if (errno != LinuxConstants.EINTR)
            {
                throw new IOException("writing a child's stdin pipe failed: " + Errno.Describe(errno));
            }
        }

        return true;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// An end of stream with nothing left to read (HUP or ERR without IN: the child exited or closed its end) is
    /// finished right here: the waiting read or write only sees it and ends, which is quicker than a thread-pool
    /// hop, and every run of a task ends that way twice. Data goes to the thread pool, so a child that prints a lot
    /// is read there and never delays another child's events on this thread.
    /// </remarks>
    public void OnReady(ulong token, uint events)
    {
        TaskCompletionSource? waiter = Interlocked.Exchange(ref _waiter, null);
        if (waiter is null)
        {
            return;
        }

        if ((events & (LinuxConstants.EPOLLIN | LinuxConstants.EPOLLOUT)) == 0)
        {
            waiter.TrySetResult();
        }
        else
        {
            ThreadPool.UnsafeQueueUserWorkItem(static state => state.TrySetResult(), waiter, preferLocal: false);
        }
    }

    /// <summary>
    /// Unregisters and closes the descriptor (the child then sees EOF or EPIPE on its end). Only the flow that reads
    /// or writes may dispose, never concurrently with an operation: a descriptor number closed under a running
    /// read could be reused by an unrelated file.
    /// </summary>
    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd < 0)
        {
            return;
        }

        _loop.Remove(fd, _token);
        FileDescriptors.Close(fd);
    }

    private Task WaitAsync(uint events)
    {
        int fd = Volatile.Read(ref _fd);
        ObjectDisposedException.ThrowIf(fd < 0, this);

        // The waiter is published before arming, so an event that fires at once always finds it. HUP and ERR are
        // reported without being asked for, which wakes a reader at end of stream and a writer whose reader left.
        // Completed by OnReady: inline for an end of stream, through the thread pool for data (see there).
        var waiter = new TaskCompletionSource();
        Volatile.Write(ref _waiter, waiter);
        _loop.Modify(fd, _token, events | LinuxConstants.EPOLLONESHOT);
        return waiter.Task;
    }

    private unsafe int TryRead(Span<byte> buffer, out int errno)
    {
        int fd = Volatile.Read(ref _fd);
        ObjectDisposedException.ThrowIf(fd < 0, this);
        fixed (byte* pointer = &MemoryMarshal.GetReference(buffer))
        {
            nint result = Libc.read(fd, pointer, (nuint)buffer.Length);
            errno = result < 0 ? Errno.Last : 0;
            return (int)result;
        }
    }

    private unsafe int TryWrite(ReadOnlySpan<byte> data, out int errno)
    {
        int fd = Volatile.Read(ref _fd);
        ObjectDisposedException.ThrowIf(fd < 0, this);
        fixed (byte* pointer = &MemoryMarshal.GetReference(data))
        {
            nint result = Libc.write(fd, pointer, (nuint)data.Length);
            errno = result < 0 ? Errno.Last : 0;
            return (int)result;
        }
    }
}
