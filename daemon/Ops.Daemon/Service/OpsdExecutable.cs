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
            var assembly = typeof(OpsdExecutable).Assembly.Location;
            if (string.IsNullOrEmpty(assembly))
            {
                assembly = Path.Combine(AppContext.BaseDirectory, "opsd.dll");
            }

            return [process, assembly];
        }

        return [process];
    }
}
