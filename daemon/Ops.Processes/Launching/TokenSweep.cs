using System.Buffers;
using System.Globalization;
using System.Text;
using Ops.Processes.Native;
using Ops.Processes.Orphans;
using Ops.Processes.Sampling;

namespace Ops.Processes.Launching;

/// <summary>
/// Finds and signals the processes that carry a launch's token (<see cref="GroupRecord.LaunchTokenVariable"/>) in
/// their environment, wherever they are: a child that called setsid or setpgid, or a daemon that forked twice, has left
/// the launch's process group but kept its environment. One pass over /proc serves any number of tokens. A pid is only
/// ever signalled through a pidfd opened before its environment is checked, so a pid recycled meanwhile is never hit.
/// </summary>
/// <remarks>
/// Reading another user's environment needs root (or the same uid): when opsd is not root, a carrier that changed its
/// uid is invisible here, and could not be signalled anyway. A process that overwrites or drops its environment hides
/// too; only a cgroup contains those.
/// </remarks>
internal static class TokenSweep
{
    // An execve takes well under a millisecond; reads 1 ms apart for 20 ms outlast it even on a loaded host.
    private const int EmptyRetries = 20;

    private static readonly byte[] EntryName = Encoding.ASCII.GetBytes(GroupRecord.LaunchTokenVariable + "=");

    /// <summary>
    /// The live processes carrying each of <paramref name="tokens"/>, in one pass over /proc. Processes that started
    /// before <paramref name="notBefore"/> (clock ticks after boot, as in /proc/&lt;pid&gt;/stat) are left out (a
    /// carrier descends from the launch, so an older one inherited nothing from it), and so are the members of
    /// <paramref name="exceptGroup"/> (the launch's own group, which its group signals reach).
    /// </summary>
    public static Dictionary<string, List<int>> Find(IReadOnlySet<string> tokens, ulong notBefore = 0, int exceptGroup = 0, PidWindow? window = null)
    {
        var found = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        if (tokens.Count == 0)
        {
            return found;
        }

        int self = Environment.ProcessId;
        Func<int, bool>? inWindow = window?.Begin();
        var listed = new List<int>(256);
        foreach (string directory in Directory.EnumerateDirectories("/proc"))
        {
            ReadOnlySpan<char> name = Path.GetFileName(directory.AsSpan());
            if (name.Length > 0 && char.IsAsciiDigit(name[0])
                && int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
                && pid != self && pid != 1)
            {
                listed.Add(pid);
            }
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent(8192);
        try
        {
            foreach (int pid in listed)
            {
                // The environment is the costly read (the kernel copies it out of the process's memory): only for the
                // pids the launch's processes can have.
                if (inWindow is not null && !inWindow(pid))
                {
                    continue;
                }

                // The stat line only for carriers: reading it for every process cost more than the environment read.
                if (SettledTokenOf(pid, tokens, ref buffer) is { } token
                    && ((notBefore == 0 && exceptGroup == 0)
                        || (ProcessTable.TryRead(pid, out ProcessStat stat) && stat.StartTime >= notBefore && !stat.IsZombie && stat.GroupId != exceptGroup)))
                {
                    if (!found.TryGetValue(token, out List<int>? pids))
                    {
                        found[token] = pids = [];
                    }

                    pids.Add(pid);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return found;
    }

    /// <summary>The carriers of one token; see <see cref="Find(IReadOnlySet{string}, ulong, int, PidWindow?)"/>.</summary>
    public static List<int> Find(string token, ulong notBefore = 0, int exceptGroup = 0, PidWindow? window = null) =>
        Find(new HashSet<string>(StringComparer.Ordinal) { token }, notBefore, exceptGroup, window).GetValueOrDefault(token) ?? [];

    /// <summary>
    /// Sends <paramref name="signal"/> to <paramref name="pid"/> if it carries <paramref name="token"/>, pinned by a
    /// pidfd while its environment is checked (<see cref="PinnedSignal"/>). False when it is gone or is not (or no
    /// longer) a carrier.
    /// </summary>
    public static bool SignalCarrier(int pid, string token, int signal) =>
        PinnedSignal.SignalIf(pid, signal, new HashSet<string>(StringComparer.Ordinal) { token }, static (p, tokens) => Carries(p, tokens));

    private static bool Carries(int pid, IReadOnlySet<string> tokens)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(8192);
        try
        {
            return SettledTokenOf(pid, tokens, ref buffer) is not null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// As <see cref="TokenOf"/>, but an empty environment is looked at again: a sweep that finds nothing is taken as
    /// proof that the launch is gone, and two kinds of carrier show none for a moment. One in the middle of execve has
    /// none until the new image's stack is set up (a carrier running <c>exec sleep</c> just then); one in the kernel's
    /// exit path (just SIGKILLed) has lost its memory but may still hold its files, a listening port among them. Both
    /// are read again, 1 ms apart, until the environment is back or the process is a zombie or gone, for 20 ms at
    /// most: one still tearing down after that (a large multi-threaded process on a loaded host) runs no user code
    /// any more and counts as gone. Kernel threads have none for good; a process started with an empty environment
    /// keeps it and costs the retries.
    /// </summary>
    private static string? SettledTokenOf(int pid, IReadOnlySet<string> tokens, ref byte[] buffer)
    {
        for (int attempt = 0; ; attempt++)
        {
            string? token = TokenOf(pid, tokens, ref buffer, out bool empty);
            if (token is not null || !empty || attempt == EmptyRetries
                || !ProcessTable.TryRead(pid, out ProcessStat stat) || stat.IsZombie || stat.IsKernelThread)
            {
                return token;
            }

            Thread.Sleep(1);
        }
    }

    /// <summary>
    /// The token of <paramref name="tokens"/> that <c>/proc/&lt;pid&gt;/environ</c> holds as a whole entry, or null
    /// (none, gone, a kernel thread, a zombie, or not ours to read). Plain open/read: a sweep meets many processes
    /// that vanish or are not readable, and an exception for each would cost more than the read.
    /// </summary>
    private static unsafe string? TokenOf(int pid, IReadOnlySet<string> tokens, ref byte[] buffer, out bool empty)
    {
        empty = false;
        byte* path = stackalloc byte[40];
        var span = new Span<byte>(path, 40);
        if (!System.Text.Unicode.Utf8.TryWrite(span, CultureInfo.InvariantCulture, $"/proc/{pid}/environ\0", out _))
        {
            return null;
        }

        int fd = Libc.open(path, LinuxConstants.O_RDONLY | LinuxConstants.O_CLOEXEC);
        if (fd < 0)
        {
            return null;
        }

        int length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    byte[] larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                nint read;
                fixed (byte* start = &buffer[length])
                {
                    read = Libc.read(fd, start, (nuint)(buffer.Length - length));
                }

                if (read < 0 && Errno.Last == LinuxConstants.EINTR)
                {
                    continue;
                }

                if (read <= 0)
                {
                    break;
                }

                length += (int)read;
            }
        }
        finally
        {
            _ = Libc.close(fd);
        }

        empty = length == 0;
        foreach (Range range in buffer.AsSpan(0, length).Split((byte)0))
        {
            ReadOnlySpan<byte> entry = buffer.AsSpan(0, length)[range];
            if (entry.StartsWith(EntryName))
            {
                string value = Encoding.ASCII.GetString(entry[EntryName.Length..]);
                if (tokens.Contains(value))
                {
                    return value;
                }
            }
        }

        return null;
    }
}
