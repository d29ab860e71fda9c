using System.Globalization;

namespace Ops.Processes.Launching;

/// <summary>
/// The pids a launch's processes can have: every process of a launch was forked after its leader, so while the
/// kernel's pid counter has not gone all the way round since, they all lie after the leader's pid in allocation order
/// (above it, or, after one wrap past pid_max, also below the counter's current value). A sweep for a launch's token
/// reads the environment only of the processes in that window: for a launch younger than most of the machine (a
/// crash-looping program, a task run) that is a handful instead of every process.
/// </summary>
/// <remarks>
/// Whether the counter went round is told by the kernel's count of forks since boot (<c>processes</c> in
/// /proc/stat): a sample taken before the launch bounds the forks since, and while they are fewer than half of
/// pid_max the counter cannot have come round to the leader again (pids still in use are skipped, which only makes
/// a round longer). When that cannot be shown (a long-lived launch on a busy host, an unreadable /proc), the window
/// is every pid.
/// </remarks>
internal readonly struct PidWindow
{
    private static readonly int PidMax = ReadNumber("/proc/sys/kernel/pid_max") is { } max and > 0 ? (int)max : 0;
    private static long ForksSample = ReadForks() ?? long.MaxValue;

    private readonly int _leader;
    private readonly long _forksBefore;

    private PidWindow(int leader, long forksBefore) => (_leader, _forksBefore) = (leader, forksBefore);

    /// <summary>Takes the fork count for later launches (call once before the first launch).</summary>
    public static void Prime() => _ = ForksSample;

    /// <summary>
    /// The window of the launch led by <paramref name="leader"/>, spawned after the last fork-count sample was taken (no
    /// system call: a launch pays nothing for it).
    /// </summary>
    public static PidWindow After(int leader) => new(leader, Volatile.Read(ref ForksSample));

    /// <summary>
    /// The filter for one sweep: call before listing /proc, and apply it only after the listing is complete. Null
    /// when the window cannot be shown to hold: then every pid is a candidate.
    /// </summary>
    public Func<int, bool>? Begin()
    {
        long? forks = ReadForks();
        if (forks is not { } now)
        {
            return null;
        }

        // Later launches may use this sample: it was read before they were spawned.
        Volatile.Write(ref ForksSample, now);
        if (_leader <= 0 || PidMax == 0 || _forksBefore == long.MaxValue || now - _forksBefore >= PidMax / 2)
        {
            return null;
        }

        // Below the leader only after a wrap (the counter is below the leader), and then only up to the counter: read
        // once, at the first pid below the leader, which comes after the listing (the caller lists /proc first), so
        // every pid listed is covered.
        int leader = _leader;
        long? last = null;
        bool read = false;
        return pid =>
        {
            if (pid > leader)
            {
                return true;
            }

            if (!read)
            {
                (last, read) = (ReadNumber("/proc/sys/kernel/ns_last_pid"), true);
            }

            // Without the counter a wrap cannot be ruled out: every pid below the leader is a candidate then.
            return last is not { } counter || (counter < leader && pid <= counter);
        };
    }

    private static long? ReadForks()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/stat"))
            {
                if (line.StartsWith("processes ", StringComparison.Ordinal)
                    && long.TryParse(line.AsSpan("processes ".Length), NumberStyles.None, CultureInfo.InvariantCulture, out long forks))
                {
                    return forks;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        return null;
    }

    private static long? ReadNumber(string path)
    {
        try
        {
            return long.TryParse(File.ReadAllText(path).AsSpan().Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long value) ? value : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
