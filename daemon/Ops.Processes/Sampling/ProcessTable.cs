using System.Buffers.Text;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Ops.Processes.Sampling;

/// <summary>Reads the kernel's process table from /proc: one pass, robust to processes vanishing mid-read.</summary>
public static class ProcessTable
{
    private const string ProcRoot = "/proc";

    /// <summary>Every process now, zombies included.</summary>
    public static IEnumerable<ProcessStat> Snapshot()
    {
        foreach (string directory in Directory.EnumerateDirectories(ProcRoot))
        {
            ReadOnlySpan<char> name = Path.GetFileName(directory.AsSpan());
            if (name.Length > 0 && char.IsAsciiDigit(name[0])
                && int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
                && TryRead(pid, out ProcessStat stat))
            {
                yield return stat;
            }
        }
    }

    /// <summary>The living (non-zombie) members of process group <paramref name="groupId"/>, by pid.</summary>
    public static IReadOnlyList<int> ListGroup(int groupId) =>
        [.. Snapshot().Where(p => p.GroupId == groupId && !p.IsZombie).Select(p => p.Pid)];

    /// <summary>True when <paramref name="pid"/> exists and is not a zombie.</summary>
    public static bool IsAlive(int pid) => TryRead(pid, out ProcessStat stat) && !stat.IsZombie;

    /// <summary>Reads <c>/proc/&lt;pid&gt;/stat</c>; false when the process is gone or the line cannot be parsed.</summary>
    public static bool TryRead(int pid, out ProcessStat stat)
    {
        Span<byte> buffer = stackalloc byte[1024];
        int length;
        try
        {
            using SafeFileHandle handle = File.OpenHandle(string.Create(CultureInfo.InvariantCulture, $"{ProcRoot}/{pid}/stat"));
            length = RandomAccess.Read(handle, buffer, 0);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Gone between listing and reading (ENOENT/ESRCH), or hidden from us: either way not ours to see.
            stat = default;
            return false;
        }

        return TryParse(buffer[..length], out stat);
    }

    /// <summary>
    /// Parses a stat line. The command name (field 2) is in parentheses and may itself hold spaces and
    /// parentheses, so fields are counted from the LAST ')' on.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> line, out ProcessStat stat)
    {
        stat = default;
        int open = line.IndexOf((byte)'(');
        int close = line.LastIndexOf((byte)')');
        if (open <= 0 || close < open || !Utf8Parser.TryParse(line[..open].Trim((byte)' '), out int pid, out _))
        {
            return false;
        }

        // After ") " come fields 3, 4, 5, ...: field n is token n - 3.
        ReadOnlySpan<byte> fields = line[(close + 1)..].Trim((byte)' ');
        char state = '?';
        int parent = 0, group = 0, session = 0;
        uint flags = 0;
        ulong startTime = 0;
        long rss = 0;
        int token = 0;
        foreach (Range range in fields.Split((byte)' '))
        {
            ReadOnlySpan<byte> field = fields[range];
            bool parsed = token switch
            {
                0 => TryState(field, out state),
                1 => Utf8Parser.TryParse(field, out parent, out _),
                2 => Utf8Parser.TryParse(field, out group, out _),
                3 => Utf8Parser.TryParse(field, out session, out _),
                6 => Utf8Parser.TryParse(field, out flags, out _),
                19 => Utf8Parser.TryParse(field, out startTime, out _),
                21 => Utf8Parser.TryParse(field, out rss, out _),
                _ => true,
            };
            if (!parsed)
            {
                return false;
            }

            if (++token > 21)
            {
                stat = new ProcessStat(pid, state, parent, group, session, startTime, rss) { Flags = flags };
                return true;
            }
        }

        return false;
    }

    private static readonly long NanosecondsPerTick = 1_000_000_000L / Math.Max(1, (long)Native.Libc.sysconf(Native.LinuxConstants._SC_CLK_TCK));

    /// <summary>
    /// Now, in the unit and on the clock of a process's start time (<see cref="ProcessStat.StartTime"/>: clock ticks
    /// of the boot clock): read just before and just after a spawn, it brackets the child's start time without
    /// reading /proc.
    /// </summary>
    public static unsafe ulong BootTicksNow()
    {
        long* timespec = stackalloc long[2];
        if (Native.Libc.clock_gettime(Native.LinuxConstants.CLOCK_BOOTTIME, timespec) != 0)
        {
            throw new System.ComponentModel.Win32Exception(Marshal.GetLastPInvokeError(), "clock_gettime(CLOCK_BOOTTIME)");
        }

        return (ulong)(((timespec[0] * 1_000_000_000L) + timespec[1]) / NanosecondsPerTick);
    }

    /// <summary>The kernel's boot id: it changes at every boot, so a record with another one names dead processes.</summary>
    public static string ReadBootId() => File.ReadAllText($"{ProcRoot}/sys/kernel/random/boot_id").Trim();

    private static bool TryState(ReadOnlySpan<byte> field, out char state)
    {
        state = field.Length == 1 ? (char)field[0] : '?';
        return field.Length == 1;
    }
}
