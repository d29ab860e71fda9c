using System.Net;
using System.Net.Sockets;

namespace Ops.Benchmarks.Infrastructure;

/// <summary>Free TCP ports on 127.0.0.1 for the servers the harness starts (opsd, PostgreSQL).</summary>
internal static class LoopbackPort
{
    /// <summary>A port that was free a moment ago (the kernel's pick for port 0).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
