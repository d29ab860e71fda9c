using System.Text;

namespace Ops.Daemon.Tests.Support;

/// <summary>Finds processes by a marker in their environment, so each test can prove it left nothing behind.</summary>
internal static class ProcessTable
{
    public const string MarkerVariable = "OPS_TEST_MARKER";

    /// <summary>Pids of live (non-zombie) processes whose environment holds OPS_TEST_MARKER=<paramref name="marker"/>.</summary>
    public static IReadOnlyList<int> WithMarker(string marker) => WithVariable(MarkerVariable, marker);

    /// <summary>Pids of live (non-zombie) processes whose environment holds <paramref name="variable"/>=<paramref name="value"/>.</summary>
    public static IReadOnlyList<int> WithVariable(string variable, string value)
    {
        var needle = Encoding.UTF8.GetBytes($"{variable}={value}\0");
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                if (IsZombie(pid))
                {
                    continue;
                }

                var environ = File.ReadAllBytes(Path.Combine(dir, "environ"));
                if (environ.AsSpan().IndexOf(needle) >= 0)
                {
                    found.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The process ended while we looked.
            }
        }

        return found;
    }

    public static bool IsAlive(int pid)
    {
        try
        {
            return File.Exists($"/proc/{pid}/stat") && !IsZombie(pid);
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>"pid 123 (parent 1, session 123): sleep 300", for a failure message that says what was left.</summary>
    public static string Describe(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var command = File.ReadAllText($"/proc/{pid}/cmdline").TrimEnd('\0').Replace('\0', ' ');
            return $"pid {pid} (parent {fields[1]}, session {fields[3]}): {command}";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or IndexOutOfRangeException)
        {
            return $"pid {pid} (gone while described)";
        }
    }

    public static void KillAll(string marker) => Kill(WithMarker(marker));

    /// <summary>SIGKILL to each of <paramref name="pids"/>; one that is gone already is skipped.</summary>
    public static void Kill(IEnumerable<int> pids)
    {
        foreach (var pid in pids)
        {
            try
            {
                System.Diagnostics.Process.GetProcessById(pid).Kill();
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
            }
        }
    }

    private static bool IsZombie(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var state = stat[(stat.LastIndexOf(')') + 2)..];
        return state.StartsWith('Z') || state.StartsWith('X');
    }
}
