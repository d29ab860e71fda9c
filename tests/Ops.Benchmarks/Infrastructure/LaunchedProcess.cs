using System.Collections.Concurrent;
using System.Diagnostics;

namespace Ops.Benchmarks.Infrastructure;

/// <summary>
/// A process the harness started in a session of its own (via setsid, which execs in place: the pid is the
/// target's and is its process group id), with the tail of its output kept for error messages.
/// </summary>
internal sealed class LaunchedProcess : IDisposable
{
    private const int TailLines = 40;

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _tail = new();

    private LaunchedProcess(string label, Process process)
    {
        Label = label;
        _process = process;
    }

    /// <summary>What the reports call it: "opsd", "supervisord", ...</summary>
    public string Label { get; }

    /// <summary>The target's pid, which is also its process group id.</summary>
    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Starts <paramref name="file"/> with <paramref name="arguments"/> in a new session.</summary>
    public static LaunchedProcess Start(
        string label,
        string file,
        IEnumerable<string> arguments,
        ProcessJanitor janitor,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("setsid")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(file);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info };
        var launched = new LaunchedProcess(label, process);
        process.OutputDataReceived += (_, e) => launched.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => launched.Keep(e.Data);
        process.Start();
        janitor.Launched(process.Id);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return launched;
    }

    /// <summary>The last lines it printed, for an error message.</summary>
    public string Tail() => _tail.IsEmpty ? "(no output)" : string.Join(Environment.NewLine, _tail);

    /// <summary>Throws, with its last output, when it has already exited: a supervisor that died is a failed run.</summary>
    public void ThrowIfExited()
    {
        if (_process.HasExited)
        {
            throw new InvalidOperationException($"{Label} (pid {Pid}) exited with code {_process.ExitCode}; its last output:{Environment.NewLine}{Tail()}");
        }
    }

    /// <summary>
    /// SIGTERM, then waits up to <paramref name="timeout"/> for the exit; returns the exit code and how long it took,
    /// or a null code when it did not exit in time (it is then SIGKILLed with its group).
    /// </summary>
    public async Task<(int? ExitCode, TimeSpan Took)> StopAsync(TimeSpan timeout)
    {
        var started = Stopwatch.GetTimestamp();
        if (!_process.HasExited)
        {
            _ = Libc.kill(Pid, Libc.SIGTERM);
            using var wait = new CancellationTokenSource(timeout);
            try
            {
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                KillGroup();
                return (null, Stopwatch.GetElapsedTime(started));
            }
        }

        return (_process.ExitCode, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>SIGKILL to its whole process group (the group id is its pid).</summary>
    public void KillGroup()
    {
        if (!_process.HasExited)
        {
            _ = Libc.kill(-Pid, Libc.SIGKILL);
            _ = Libc.kill(Pid, Libc.SIGKILL);
            _process.WaitForExit(TimeSpan.FromSeconds(5));
        }
    }

    public void Dispose()
    {
        KillGroup();
        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _tail.Enqueue(line);
        while (_tail.Count > TailLines && _tail.TryDequeue(out _))
        {
        }
    }
}
