namespace Ops.Daemon.Tests.Support;

/// <summary>Where the binaries under test are: opsd.dll and ops-testworker.dll are copied next to the tests.</summary>
internal static class Tools
{
    public static string Opsd => Path.Combine(AppContext.BaseDirectory, "opsd.dll");

    public static string TestWorker => Path.Combine(AppContext.BaseDirectory, "ops-testworker.dll");

    /// <summary>The dotnet host running the tests, so children run on the same runtime.</summary>
    public static string Dotnet => Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";

    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
