using System.Diagnostics;

namespace Ops.Daemon.Tests.Support;

/// <summary>Runs the real opsd binary with arguments (validate, token, a daemon that must refuse to start).</summary>
internal static class OpsdCommand
{
    public static Task<(int Code, string Output)> RunAsync(params string[] args) =>
        RunAsync(new Dictionary<string, string>(), Tools.Opsd, args);

    /// <summary>Runs <paramref name="opsd"/> (an opsd.dll) with <paramref name="environment"/> added to the test's.</summary>
    public static async Task<(int Code, string Output)> RunAsync(IReadOnlyDictionary<string, string> environment, string opsd, params string[] args)
    {
        var info = new ProcessStartInfo(Tools.Dotnet) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        info.ArgumentList.Add(opsd);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
