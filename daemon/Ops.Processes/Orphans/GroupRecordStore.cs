using System.Globalization;
using System.Text.Json;

namespace Ops.Processes.Orphans;

/// <summary>
/// The orphan records in <c>&lt;StateDirectory&gt;/groups/&lt;program&gt;-&lt;instance&gt;.json</c>. Writes are atomic (a
/// temporary file renamed over the record), so a daemon killed mid-write leaves the old record or the new one,
/// never half of one. They are not fsync'd: a record only matters within one boot (the reaper drops records of
/// another boot id), and the page cache outlives any crash of the daemon; a power loss ends the processes too.
/// That keeps the restart path free of disk flushes.
/// </summary>
internal sealed class GroupRecordStore
{
    private const string TemporarySuffix = ".tmp";

    /// <summary>The group each record written by this daemon names, so deletes need not read the file back.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _written = new(StringComparer.Ordinal);
    private volatile bool _directoryMade;

    public GroupRecordStore(string stateDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(stateDirectory);
        Directory = Path.Combine(Path.GetFullPath(stateDirectory), "groups");
    }

    /// <summary>The folder holding the records.</summary>
    public string Directory { get; }

    /// <summary>The record file of <c>program:instance</c>.</summary>
    public string PathOf(string program, int instance) =>
        Path.Combine(Directory, string.Create(CultureInfo.InvariantCulture, $"{program}-{instance}.json"));

    /// <summary>Writes (or replaces) the record of its instance.</summary>
    /// <exception cref="IOException">The state directory cannot be written.</exception>
    /// <exception cref="UnauthorizedAccessException">The state directory cannot be written.</exception>
    public void Write(GroupRecord record)
    {
        // The folder is made once, not on every launch; again only if someone removed it meanwhile.
        if (!_directoryMade)
        {
            System.IO.Directory.CreateDirectory(Directory);
            _directoryMade = true;
        }

        string path = PathOf(record.Program, record.Instance);
        string temporary = path + "." + Guid.NewGuid().ToString("N") + TemporarySuffix;
        try
        {
            FileStream stream;
            try
            {
                stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            }
            catch (DirectoryNotFoundException)
            {
                System.IO.Directory.CreateDirectory(Directory);
                stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            }

            using (stream)
            {
                JsonSerializer.Serialize(stream, record, GroupRecordJsonContext.Default.GroupRecord);
            }

            File.Move(temporary, path, overwrite: true);
            _written[path] = record.Pgid;
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>
    /// Deletes the record of <c>program:instance</c> if it still names group <paramref name="pgid"/>: a late call
    /// for an old group must not delete the record of the instance's next run.
    /// </summary>
    public void Delete(string program, int instance, int pgid)
    {
        string path = PathOf(program, instance);
        if (_written.TryGetValue(path, out var written))
        {
            if (written == pgid && _written.TryRemove(KeyValuePair.Create(path, written)))
            {
                File.Delete(path);
            }

            return;
        }

        // A record this daemon did not write (e.g. left by a previous one): check that it names this group.
        if (File.Exists(path) && (!TryRead(path, out GroupRecord? record) || record.Pgid == pgid))
        {
            File.Delete(path);
        }
    }

    /// <summary>Every record file, with its parsed record or null when the file is unreadable; stray temporaries are removed.</summary>
    public IEnumerable<(string Path, GroupRecord? Record)> ReadAll()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            yield break;
        }

        foreach (string path in System.IO.Directory.EnumerateFiles(Directory))
        {
            if (path.EndsWith(TemporarySuffix, StringComparison.Ordinal))
            {
                // A write that never reached its rename; the record it replaced (if any) is still there.
                File.Delete(path);
            }
            else if (path.EndsWith(".json", StringComparison.Ordinal))
            {
                yield return (path, TryRead(path, out GroupRecord? record) ? record : null);
            }
        }
    }

    private static bool TryRead(string path, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out GroupRecord? record)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            record = JsonSerializer.Deserialize(stream, GroupRecordJsonContext.Default.GroupRecord);
            return record is not null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            record = null;
            return false;
        }
    }
}
