using System.Text;

namespace Ops.Jobs.Hosts;

/// <summary>Each host serves its own queue, through which operator commands reach the host that owns a program.</summary>
public static class HostQueues
{
    /// <summary>"host-" + the host name in Hangfire's queue alphabet (lowercase letters, digits, '-', '_').</summary>
    public static string For(string hostName)
    {
        var name = new StringBuilder("host-");
        foreach (var c in hostName.ToLowerInvariant())
        {
            name.Append(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '-' ? c : '-');
        }

        return name.ToString();
    }
}
