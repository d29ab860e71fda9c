namespace Ops.Processes.Launching;

/// <summary>
/// The processes of one launch that may have left its process group: every process carrying its token. Remembers
/// the stage of a stop (the last signal sent), so a carrier found later, one that forked again while being swept, gets
/// that signal too: a stop loops until a sweep finds none, and on the forced stage every new one gets SIGKILL. The
/// members of the launch's own group are not carriers here: the group's signal reached them already, and a second
/// SIGTERM would run their handlers twice.
/// </summary>
internal sealed class LaunchCarriers(string token, ulong notBefore, int group, PidWindow? window = null)
{
    private readonly Lock _lock = new();

    // The carriers that already got the current stage's signal: a graceful signal is sent once per process (a second
    // SIGTERM makes many programs skip their clean shutdown).
    private readonly HashSet<int> _signalled = [];
    private int _stageSignal;

    /// <summary>The launch's token.</summary>
    public string Token { get; } = token;

    /// <summary>The earliest start time (boot clock ticks) a carrier can have.</summary>
    public ulong NotBefore { get; } = notBefore;

    /// <summary>The launch's process group, signalled as a group (0: none).</summary>
    public int Group { get; } = group;

    /// <summary>Sends <paramref name="signal"/> to every carrier now, and makes it the stage's signal for later finds.</summary>
    /// <returns>The carriers found.</returns>
    public IReadOnlyList<int> Signal(int signal)
    {
        BeginStage(signal);
        return Sweep();
    }

    /// <summary>
    /// Makes <paramref name="signal"/> the stage's signal without sweeping: the next <see cref="Sweep()"/>, whoever
    /// runs it, sends it. A sweep that was started for an earlier stage sends the newer signal.
    /// </summary>
    public void BeginStage(int signal)
    {
        lock (_lock)
        {
            _stageSignal = signal;
            _signalled.Clear();
        }
    }

    /// <summary>
    /// One sweep: the carriers still alive. Those that have not had the stage's signal yet get it now (none before
    /// the first <see cref="Signal"/>).
    /// </summary>
    public IReadOnlyList<int> Sweep() => Sweep(TokenSweep.Find(Token, NotBefore, Group, window));

    /// <summary>As <see cref="Sweep()"/>, over carriers found by a sweep that served several launches at once.</summary>
    public IReadOnlyList<int> Sweep(IReadOnlyList<int> found)
    {
        int signal;
        List<int> due;
        lock (_lock)
        {
            signal = _stageSignal;
            due = signal == 0 ? [] : [.. found.Where(pid => !_signalled.Contains(pid))];
        }

        foreach (int pid in due)
        {
            // Counted as signalled only once the signal went: a carrier that could not be confirmed just then (gone,
            // or between two images) is tried again by the next sweep that finds it.
            if (TokenSweep.SignalCarrier(pid, Token, signal))
            {
                lock (_lock)
                {
                    if (_stageSignal == signal)
                    {
                        _signalled.Add(pid);
                    }
                }
            }
        }

        return found;
    }
}
