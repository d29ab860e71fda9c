using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Ops.Benchmarks.Infrastructure;

/// <summary>
/// A named pipe that children write their pid into (<c>echo $$ > FIFO</c>). Opened read-write and non-blocking, so
/// the harness is always a reader (a writer's open never blocks, we never see EOF between children) and every read
/// is bounded by poll.
/// </summary>
internal sealed unsafe class PidFifo : IDisposable
{
    /// <summary>Poll in slices so that cancellation is noticed; poll returns at once when data arrives, so this adds no latency.</summary>
    private const int PollSliceMs = 100;

    private readonly int _fd;
    private readonly StringBuilder _pending = new();
    private readonly byte[] _buffer = new byte[256];

    public PidFifo(string path)
    {
        Path = path;
        if (Libc.mkfifo(path, Convert.ToUInt32("600", 8)) != 0)
        {
            throw new IOException($"mkfifo {path} failed: errno {Marshal.GetLastPInvokeError()}");
        }

        _fd = Libc.open(path, Libc.O_RDWR | Libc.O_NONBLOCK | Libc.O_CLOEXEC);
        if (_fd < 0)
        {
            throw new IOException($"open {path} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>The FIFO's path, to put in the child's command line.</summary>
    public string Path { get; }

    /// <summary>
    /// The next pid a child wrote, and the Stopwatch timestamp taken right after it was read; throws
    /// <see cref="TimeoutException"/> naming <paramref name="waitingFor"/> when none comes in time.
    /// <paramref name="whileWaiting"/> runs between poll slices (never between the data and the timestamp), so a
    /// caller can stop waiting for a writer that died.
    /// </summary>
    public (int Pid, long Timestamp) ReadPid(TimeSpan timeout, string waitingFor, Action whileWaiting, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            if (TryTakeLine(out var line))
            {
                return (ParsePid(line), Stopwatch.GetTimestamp());
            }

            cancellationToken.ThrowIfCancellationRequested();
            whileWaiting();
            var remainingMs = (deadline - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency;
            if (remainingMs <= 0)
            {
                throw new TimeoutException($"no child pid in {Path} within {timeout.TotalSeconds:0.#} s while waiting for {waitingFor}");
            }

            Fill((int)Math.Min(remainingMs, PollSliceMs));
        }
    }

    /// <summary>A pid already waiting in the pipe, without blocking: a second live child would show up here.</summary>
    public int? TryReadPidNow()
    {
        Fill(0);
        return TryTakeLine(out var line) ? ParsePid(line) : null;
    }

    public void Dispose() => Libc.close(_fd);

    private void Fill(int timeoutMs)
    {
        var pollFd = new Libc.PollFd { Fd = _fd, Events = Libc.POLLIN };
        var ready = Libc.poll(&pollFd, 1, timeoutMs);
        if (ready < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == Libc.EINTR)
            {
                return;
            }

            throw new IOException($"poll {Path} failed: errno {errno}");
        }

        if (ready == 0)
        {
            return;
        }

        fixed (byte* buffer = _buffer)
        {
            var count = Libc.read(_fd, buffer, (nuint)_buffer.Length);
            if (count > 0)
            {
                _pending.Append(Encoding.ASCII.GetString(_buffer, 0, (int)count));
            }
            else if (count < 0 && Marshal.GetLastPInvokeError() is var errno && errno != Libc.EAGAIN && errno != Libc.EINTR)
            {
                throw new IOException($"read {Path} failed: errno {errno}");
            }
        }
    }

    private bool TryTakeLine(out string line)
    {
        var text = _pending.ToString();
        var newline = text.IndexOf('\n', StringComparison.Ordinal);
        if (newline < 0)
        {
            line = string.Empty;
            return false;
        }

        line = text[..newline].Trim();
        _pending.Remove(0, newline + 1);
        return true;
    }

    private int ParsePid(string line) =>
        int.TryParse(line, out var pid) && pid > 0 ? pid : throw new InvalidDataException($"{Path}: expected a pid line, got '{line}'");
}
