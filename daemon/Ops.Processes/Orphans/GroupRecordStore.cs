using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using Ops.Supervision.Os;

namespace Ops.Processes.Orphans;

/// <summary>
/// The orphan records in <c>&lt;StateDirectory&gt;/groups/programs/&lt;program&gt;/&lt;instance&gt;.json</c> and
/// <c>groups/tasks/&lt;task&gt;/&lt;slot&gt;.json</c>, one file per instance or task-run slot (a folder per kind, so
/// no program name can take a task's file), kept open by the daemon that writes it. Daemons before that layout
/// wrote <c>groups/&lt;program&gt;-&lt;instance&gt;.json</c> (task runs as program <c>task-&lt;name&gt;</c>):
/// <see cref="ReadAll"/> still finds those, so an upgrade leaves no orphan unreaped. A start writes the record twice, before the spawn (naming
/// the launch by its token) and right after it (naming the pid), each time with one pwrite of whole 512-byte blocks,
/// padded with spaces, over the same file: a daemon killed mid-write cannot tear it (the kernel
/// copies the block or not), and an old, longer record is always covered to its end. An ended group empties the
/// file (one ftruncate). No open, rename or unlink on the launch path: with task runs that is every run. Records
/// are not fsync'd: a record only matters within one boot (the reaper drops records of another boot id), and the
/// page cache outlives any crash of the daemon; a power loss ends the processes too.
/// </summary>
internal sealed class GroupRecordStore
{
    private const string TemporarySuffix = ".tmp";
    private const int Block = 512;

    /// <summary>The open record file of each instance this daemon wrote, and the group it names now.</summary>
    private readonly ConcurrentDictionary<string, RecordFile> _files = new(StringComparer.Ordinal);

    public GroupRecordStore(string stateDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(stateDirectory);
        Directory = Path.Combine(Path.GetFullPath(stateDirectory), "groups");
    }

    /// <summary>The folder holding the records.</summary>
    public string Directory { get; }

    /// <summary>The record file of a launch of <paramref name="owner"/>.</summary>
    public string PathOf(LaunchOwner owner) =>
        Path.Combine(Directory, owner.Folder, owner.Name, string.Create(CultureInfo.InvariantCulture, $"{owner.Index}.json"));

    /// <summary>Serializes a record once so that the first real write does not wait for the code to be compiled.</summary>
    public static void CompileWriter() =>
        _ = JsonSerializer.SerializeToUtf8Bytes(new GroupRecord("warm-up", 0, 0, 0, 0, string.Empty, 0, DateTimeOffset.UnixEpoch), GroupRecordJsonContext.Default.GroupRecord);

    /// <summary>Writes (or replaces) the record of a launch of <paramref name="owner"/>.</summary>
    /// <exception cref="IOException">The state directory cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The state directory cannot be written.</exception>
    public void Write(LaunchOwner owner, GroupRecord record)
    {
        string path = PathOf(owner);
        RecordFile file = _files.TryGetValue(path, out RecordFile? open) ? open : _files.GetOrAdd(path, Open);
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(record, GroupRecordJsonContext.Default.GroupRecord);
        lock (file)
        {
            // Whole blocks, never shorter than what the file holds: the tail of an older record is overwritten too.
            int length = (int)Math.Max((json.Length + Block) / Block * Block, file.Length);
            byte[] block = new byte[length];
            json.CopyTo(block, 0);
            block.AsSpan(json.Length).Fill((byte)' ');
            block[^1] = (byte)'\n';
            RandomAccess.Write(file.Handle, block, 0);
            file.Length = length;
            file.Pgid = record.Pgid;
        }
    }

    /// <summary>
    /// Ends the record of <paramref name="owner"/> if it still names group <paramref name="pgid"/>: a late call for an
    /// old group must not end the record of the owner's next run.
    /// </summary>
    public void Delete(LaunchOwner owner, int pgid)
    {
        string path = PathOf(owner);
        if (_files.TryGetValue(path, out RecordFile? file))
        {
            lock (file)
            {
                if (file.Pgid == pgid)
                {
                    RandomAccess.SetLength(file.Handle, 0);
                    file.Length = 0;
                    file.Pgid = 0;
                }
            }

            return;
        }

        // A record this daemon did not write (e.g. left by a previous one): check that it names this group.
        if (File.Exists(path) && (!TryRead(path, out GroupRecord? record, out _) || record.Pgid == pgid))
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// Every record file, with its parsed record or null when the file is unreadable; stray temporaries are removed.
    /// The folders of every kind, and the files directly in <see cref="Directory"/> that older daemons wrote.
    /// </summary>
    public IEnumerable<(string Path, GroupRecord? Record)> ReadAll()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            yield break;
        }

        // Listed before any is deleted: removing entries while the directory is being enumerated may skip some.
        foreach (string path in System.IO.Directory.GetFiles(Directory, "*", SearchOption.AllDirectories))
        {
            if (path.EndsWith(TemporarySuffix, StringComparison.Ordinal))
            {
                // A write that never reached its rename; the record it replaced (if any) is still there.
                File.Delete(path);
            }
            else if (path.EndsWith(".json", StringComparison.Ordinal))
            {
                if (TryRead(path, out GroupRecord? record, out bool ended))
                {
                    yield return (path, record);
                }
                else if (ended)
                {
                    // The group it named ended normally; the empty file only waited for the next start.
                    File.Delete(path);
                }
                else
                {
                    yield return (path, null);
                }
            }
        }
    }

    /// <summary>Parses a record; <paramref name="ended"/> is true for a file that holds none (its group ended).</summary>
    private static bool TryRead(string path, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out GroupRecord? record, out bool ended)
    {
        record = null;
        ended = false;
        try
        {
            byte[] bytes = File.ReadAllBytes(path);
            if (bytes.AsSpan().Trim(" \n\r\t"u8).IsEmpty)
            {
                ended = true;
                return false;
            }

            record = JsonSerializer.Deserialize(bytes, GroupRecordJsonContext.Default.GroupRecord);
            return record is not null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return false;
        }
    }

    private static RecordFile Open(string path)
    {
        // Once per instance or slot and daemon, not on every launch: the open file is kept.
        try
        {
            return new RecordFile(File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete));
        }
        catch (DirectoryNotFoundException)
        {
            System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            return new RecordFile(File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete));
        }
    }

    /// <summary>An open record file; lock it to write. Held for the daemon's life (one per instance or run slot).</summary>
    private sealed class RecordFile(SafeFileHandle handle)
    {
        public SafeFileHandle Handle { get; } = handle;

        /// <summary>Bytes in the file now (0 when its group ended).</summary>
        public long Length { get; set; } = RandomAccess.GetLength(handle);

        /// <summary>The group the record names; 0 when none.</summary>
        public int Pgid { get; set; }
    }
}
