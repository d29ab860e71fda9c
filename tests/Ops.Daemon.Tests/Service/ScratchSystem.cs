using System.Diagnostics;
using Ops.Daemon.Tests.Support;

namespace Ops.Daemon.Tests.Service;

/// <summary>
/// A scratch directory standing for "/" (opsd service --root), with /etc/opsd/opsd.json in it, plus helpers to run
/// the real opsd binary and external tools. Deleted on dispose.
/// </summary>
internal sealed class ScratchSystem : IDisposable
{
    public const string ConfigPath = "/etc/opsd/opsd.json";
    public const string UnitPath = "/etc/systemd/system/opsd.service";
    public const string WantsLink = "/etc/systemd/system/multi-user.target.wants/opsd.service";

    public ScratchSystem(string configJson)
    {
        Root = Directory.CreateTempSubdirectory("opsd-service-").FullName;
        Directory.CreateDirectory(Path.GetDirectoryName(At(ConfigPath))!);
        File.WriteAllText(At(ConfigPath), configJson);
    }

    public string Root { get; }

    /// <summary>The demo-like config used where the contents do not matter: two levels, 5 s stop timeouts.</summary>
    public static string TwoLevelConfig => """
        { "Ops": { "Programs": {
          "ticker": { "Command": "/bin/sh", "Args": [ "-c", "sleep 60" ], "StopTimeout": "5s" },
          "worker": { "Command": "/bin/sleep", "Args": [ "60" ], "DependsOn": [ "ticker" ], "StopTimeout": "5s" } } } }
        """;

    /// <summary>Where a path of the target system is inside the scratch root.</summary>
    public string At(string targetPath) => Path.Join(Root, targetPath.TrimStart('/'));

    /// <summary>Runs `dotnet opsd.dll ARGS`.</summary>
    public static Task<(int Code, string Stdout, string Stderr)> OpsdAsync(params string[] args) =>
        RunAsync(Tools.Dotnet, [Tools.Opsd, .. args]);

    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string file, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>The full path of a tool on PATH, or null.</summary>
    public static string? Which(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, tool))
            .FirstOrDefault(File.Exists);

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
