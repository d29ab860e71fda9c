using Ops.Supervision.Os;
using Ops.Supervision.Specs;

namespace Ops.Processes.Output;

/// <summary>
/// One stream (stdout or stderr) of one instance, across its restarts: the tail ring of the last lines, the
/// rotating file (supervised instances only) and the hand-off to subscribers. Pumps append; the API reads.
/// </summary>
internal sealed class OutputChannel
{
    // Guards the ring and the publication order: a follower subscribing under this lock gets a backlog and a
    // live feed with neither a gap nor a duplicate between them.
    private readonly object _gate = new();
    private readonly OutputLine[] _ring;
    private readonly SubscriberSet? _subscribers;
    private readonly RotatingLogFile? _file;
    private readonly TimeProvider _time;
    private int _start;
    private int _count;
    private int _attachedPumps;

    public OutputChannel(LaunchOwner owner, OutputStream stream, int tailCapacity, TimeProvider time, SubscriberSet? subscribers, RotatingLogFile? file)
    {
        Owner = owner;
        Stream = stream;
        _ring = new OutputLine[tailCapacity];
        _time = time;
        _subscribers = subscribers;
        _file = file;
    }

    /// <summary>The instance or task-run slot whose stream this is.</summary>
    public LaunchOwner Owner { get; }

    public OutputStream Stream { get; }

    /// <summary>The file this stream is written to; null for unsupervised runs.</summary>
    public RotatingLogFile? File => _file;

    /// <summary>A pump starts feeding this channel (with the rotation policy of the launch that started it).</summary>
    public void Attach(LogSpec log)
    {
        _file?.Update(log);
        Interlocked.Increment(ref _attachedPumps);
    }

    /// <summary>A pump reached end of stream; the file closes once no pump feeds it (no descriptor per idle instance).</summary>
    public void Detach()
    {
        if (Interlocked.Decrement(ref _attachedPumps) == 0)
        {
            _file?.Close();
        }
    }

    /// <summary>Records a batch of lines read from the pipe of <paramref name="pid"/>.</summary>
    public void Append(IReadOnlyList<string> lines, int pid)
    {
        DateTimeOffset now = _time.GetUtcNow();
        lock (_gate)
        {
            foreach (string text in lines)
            {
                var line = new OutputLine(Owner, pid, Stream, text, now);
                AddToRing(line);
                _subscribers?.Publish(line);
            }
        }

        // Outside the ring's lock: a slow disk must not make tail readers wait.
        _file?.Write(lines);
    }

    /// <summary>The last <paramref name="max"/> lines, oldest first; only those of <paramref name="pid"/> when given.</summary>
    public IReadOnlyList<OutputLine> Tail(int max, int? pid = null)
    {
        lock (_gate)
        {
            return TailLocked(max, pid);
        }
    }

    /// <summary>Snapshots the last <paramref name="backlog"/> lines and subscribes, atomically.</summary>
    public OutputSubscription Follow(int backlog, Func<IReadOnlyList<OutputLine>, OutputSubscription> subscribe)
    {
        lock (_gate)
        {
            return subscribe(TailLocked(backlog, pid: null));
        }
    }

    private void AddToRing(OutputLine line)
    {
        if (_count < _ring.Length)
        {
            _ring[(_start + _count) % _ring.Length] = line;
            _count++;
        }
        else
        {
            _ring[_start] = line;
            _start = (_start + 1) % _ring.Length;
        }
    }

    private List<OutputLine> TailLocked(int max, int? pid)
    {
        var result = new List<OutputLine>(Math.Min(Math.Max(max, 0), _count));
        for (int i = _count - 1; i >= 0 && result.Count < max; i--)
        {
            OutputLine line = _ring[(_start + i) % _ring.Length];
            if (pid is null || line.Pid == pid)
            {
                result.Add(line);
            }
        }

        result.Reverse();
        return result;
    }
}
