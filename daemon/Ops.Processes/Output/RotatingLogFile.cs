using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Ops.Supervision.Specs;

namespace Ops.Processes.Output;

/// <summary>
/// One per-instance output file, rotated by size: <c>x.log</c> is written, then renamed to <c>x.log.1</c>, older
/// files shift up, and at most <see cref="LogSpec.MaxFiles"/> files exist in all. Writes are buffered and flushed
/// once per batch of lines, on the pump's thread: a slow disk slows that pump, whose pipe then fills, so only the
/// child that prints blocks. A failing disk never stops the pump: lines are counted as lost and the file is
/// retried a little later.
/// </summary>
internal sealed partial class RotatingLogFile : IDisposable
{
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(10);

    private readonly object _gate = new();
    private readonly string _path;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private LogSpec _spec;
    private FileStream? _stream;
    private long _size;
    private long _retryAtTimestamp;
    private long _lostLines;
    private byte[] _encodeBuffer = new byte[1024];

    public RotatingLogFile(string path, LogSpec spec, TimeProvider time, ILogger logger)
    {
        _path = path;
        _spec = spec;
        _time = time;
        _logger = logger;
    }

    /// <summary>Lines that could not be written because the file failed (disk full, permissions).</summary>
    public long LostLines => Interlocked.Read(ref _lostLines);

    /// <summary>Applies a new rotation policy (after a config reload); takes effect at the next write.</summary>
    public void Update(LogSpec spec)
    {
        lock (_gate)
        {
            _spec = spec;
        }
    }

    /// <summary>Appends <paramref name="lines"/>, each followed by '\n', rotating whenever the next line would not fit.</summary>
    public void Write(IReadOnlyList<string> lines)
    {
        lock (_gate)
        {
            if (!EnsureOpen())
            {
                _lostLines += lines.Count;
                return;
            }

            try
            {
                foreach (string line in lines)
                {
                    int length = Encode(line);
                    if (_size > 0 && _size + length > _spec.MaxFileBytes)
                    {
                        Rotate();
                    }

                    _stream!.Write(_encodeBuffer, 0, length);
                    _size += length;
                }

                _stream!.Flush();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                _lostLines += lines.Count;
                Fail(ex);
            }
        }
    }

    /// <summary>Flushes and closes the file; the next write reopens it.</summary>
    public void Close()
    {
        lock (_gate)
        {
            CloseStream();
        }
    }

    public void Dispose() => Close();

    private int Encode(string line)
    {
        int needed = Encoding.UTF8.GetMaxByteCount(line.Length) + 1;
        if (_encodeBuffer.Length < needed)
        {
            _encodeBuffer = new byte[Math.Max(needed, _encodeBuffer.Length * 2)];
        }

        int length = Encoding.UTF8.GetBytes(line, _encodeBuffer);
        _encodeBuffer[length] = (byte)'\n';
        return length + 1;
    }

    private bool EnsureOpen()
    {
        if (_stream is not null)
        {
            return true;
        }

        if (_retryAtTimestamp != 0 && _time.GetTimestamp() < _retryAtTimestamp)
        {
            return false;
        }

        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(_path)!);
            _stream = Open();
            _size = _stream.Length;
            if (_retryAtTimestamp != 0)
            {
                LogRecovered(_logger, _path, Interlocked.Read(ref _lostLines));
                _retryAtTimestamp = 0;
            }

            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Fail(ex);
            return false;
        }
    }

    private FileStream Open() => new(_path, new FileStreamOptions
    {
        Mode = FileMode.Append,
        Access = FileAccess.Write,

        // Operators tail and rotate-inspect these files while we write; no advisory lock may get in their way.
        Share = FileShare.ReadWrite | FileShare.Delete,
        BufferSize = 64 * 1024,
    });

    private void Rotate()
    {
        CloseStream();
        int maxFiles = Math.Max(1, _spec.MaxFiles);
        if (maxFiles == 1)
        {
            File.Delete(_path);
        }
        else
        {
            File.Delete(Numbered(maxFiles - 1));
            for (int index = maxFiles - 2; index >= 1; index--)
            {
                string source = Numbered(index);
                if (File.Exists(source))
                {
                    File.Move(source, Numbered(index + 1), overwrite: true);
                }
            }

            File.Move(_path, Numbered(1), overwrite: true);
        }

        _stream = Open();
        _size = 0;
    }

    private string Numbered(int index) => _path + "." + index.ToString(CultureInfo.InvariantCulture);

    private void Fail(Exception ex)
    {
        bool firstFailure = _retryAtTimestamp == 0;
        try
        {
            CloseStream();
        }
        catch (Exception closeError) when (closeError is IOException or UnauthorizedAccessException)
        {
            // The buffered bytes are lost with the file; the failure below is already being reported.
            _stream = null;
        }

        _retryAtTimestamp = _time.GetTimestamp() + (long)(RetryAfterFailure.TotalSeconds * _time.TimestampFrequency);
        if (firstFailure)
        {
            LogWriteFailed(_logger, ex, _path, RetryAfterFailure);
        }
    }

    private void CloseStream()
    {
        FileStream? stream = _stream;
        _stream = null;
        stream?.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing output file {Path} failed; lines are dropped from the file (not from the tail or subscribers) and the file is retried every {RetryAfter}")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception, string path, TimeSpan retryAfter);

    [LoggerMessage(Level = LogLevel.Information, Message = "Writing output file {Path} works again; {LostLines} lines were lost in all")]
    private static partial void LogRecovered(ILogger logger, string path, long lostLines);
}
