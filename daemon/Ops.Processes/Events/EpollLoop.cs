using System.Collections.Concurrent;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Ops.Processes.Native;

namespace Ops.Processes.Events;

/// <summary>
/// One dedicated thread blocked in epoll_wait, dispatching readiness to handlers. Registrations may be added,
/// re-armed and removed from any thread while the loop waits: epoll_ctl is thread-safe and a newly ready
/// descriptor wakes the waiting thread. Loops live as long as the process.
/// </summary>
internal sealed unsafe class EpollLoop
{
    private const int MaxEventsPerWait = 64;

    // struct epoll_event is packed (12 bytes) on x86_64 and naturally aligned (16 bytes) elsewhere.
    private static readonly int EventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;
    private static readonly int DataOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 4 : 8;

    private readonly int _epollFd;
    private readonly ConcurrentDictionary<ulong, IEpollHandler> _handlers = new();
    private long _nextToken;
    private long _handlerFailures;

    public EpollLoop(string threadName)
    {
        _epollFd = Libc.epoll_create1(LinuxConstants.EPOLL_CLOEXEC);
        if (_epollFd < 0)
        {
            int errno = Errno.Last;
            throw new Win32Exception(errno, "epoll_create1 failed: " + Errno.Describe(errno));
        }

        var thread = new Thread(Run) { IsBackground = true, Name = threadName };
        thread.Start();
    }

    /// <summary>Handler exceptions swallowed so far (a handler bug must not stop every other child's events).</summary>
    public long HandlerFailures => Interlocked.Read(ref _handlerFailures);

    /// <summary>Registers <paramref name="fd"/> for <paramref name="events"/>; returns the token that identifies it.</summary>
    public ulong Add(int fd, uint events, IEpollHandler handler)
    {
        ulong token = (ulong)Interlocked.Increment(ref _nextToken);
        _handlers[token] = handler;
        if (!TryControl(LinuxConstants.EPOLL_CTL_ADD, fd, events, token, out int errno))
        {
            _handlers.TryRemove(token, out _);
            throw new Win32Exception(errno, $"epoll_ctl(ADD, fd {fd}) failed: {Errno.Describe(errno)}");
        }

        return token;
    }

    /// <summary>Re-arms a one-shot registration (or changes its events).</summary>
    public void Modify(int fd, ulong token, uint events)
    {
        if (!TryControl(LinuxConstants.EPOLL_CTL_MOD, fd, events, token, out int errno))
        {
            throw new Win32Exception(errno, $"epoll_ctl(MOD, fd {fd}) failed: {Errno.Describe(errno)}");
        }
    }

    /// <summary>Unregisters <paramref name="fd"/>; call before closing it so its number can be reused safely.</summary>
    public void Remove(int fd, ulong token)
    {
        _ = TryControl(LinuxConstants.EPOLL_CTL_DEL, fd, 0, token, out _);
        _handlers.TryRemove(token, out _);
    }

    private bool TryControl(int operation, int fd, uint events, ulong token, out int errno)
    {
        byte* epollEvent = stackalloc byte[16];
        Unsafe.WriteUnaligned(epollEvent, events);
        Unsafe.WriteUnaligned(epollEvent + DataOffset, token);
        if (Libc.epoll_ctl(_epollFd, operation, fd, epollEvent) == 0)
        {
            errno = 0;
            return true;
        }

        errno = Errno.Last;
        return false;
    }

    private void Run()
    {
        byte* events = (byte*)NativeMemory.Alloc((nuint)(MaxEventsPerWait * EventSize));
        while (true)
        {
            int count = Libc.epoll_wait(_epollFd, events, MaxEventsPerWait, -1);
            if (count < 0)
            {
                // EINTR is the only expected error; anything else would repeat, so back off instead of spinning.
                if (Errno.Last != LinuxConstants.EINTR)
                {
                    Thread.Sleep(10);
                }

                continue;
            }

            for (int i = 0; i < count; i++)
            {
                byte* entry = events + (i * EventSize);
                uint ready = Unsafe.ReadUnaligned<uint>(entry);
                ulong token = Unsafe.ReadUnaligned<ulong>(entry + DataOffset);
                if (_handlers.TryGetValue(token, out IEpollHandler? handler))
                {
                    try
                    {
                        handler.OnReady(token, ready);
                    }
#pragma warning disable CA1031 // the loop serves every child: one faulty handler must not end it
                    catch (Exception)
#pragma warning restore CA1031
                    {
                        Interlocked.Increment(ref _handlerFailures);
                    }
                }
            }
        }
    }
}
