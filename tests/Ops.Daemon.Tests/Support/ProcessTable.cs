using System.Text;

namespace Ops.Daemon.Tests.Support;

/// <summary>Finds processes by a marker in their environment, so each test can prove it left nothing behind.</summary>
internal static class ProcessTable
{
    public const string MarkerVariable = "OPS_TEST_MARKER";

    /// <summary>Pids of live (non-zombie) processes whose environment holds OPS_TEST_MARKER=<paramref name="marker"/>.</summary>
    public static IReadOnlyList<int> WithMarker(string marker)
    {
        var needle = Encoding.UTF8.GetBytes($"{MarkerVariable}={marker}\0");
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

    public static void KillAll(string marker)
    {
        foreach (var pid in WithMarker(marker))
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
