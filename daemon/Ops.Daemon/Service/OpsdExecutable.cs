namespace Ops.Daemon.Service;

/// <summary>How a service manager starts this very opsd.</summary>
public static class OpsdExecutable
{
    /// <summary>
    /// The published, self-contained opsd is one executable. Started as `dotnet opsd.dll` (a development build, the
    /// tests), the service must start the same dotnet host with the same opsd.dll.
    /// </summary>
    public static IReadOnlyList<string> Current()
    {
        var process = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which executable is running opsd; pass --exec PATH");
        var name = Path.GetFileNameWithoutExtension(process);
        if (name.Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            // Started by the dotnet host, opsd is not a single-file bundle: its dll sits in the base directory.
            return [process, Path.Combine(AppContext.BaseDirectory, typeof(OpsdExecutable).Assembly.GetName().Name + ".dll")];
        }

        return [process];
    }
}
