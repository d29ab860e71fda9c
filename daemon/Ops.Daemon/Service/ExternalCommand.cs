using System.ComponentModel;
using System.Diagnostics;

namespace Ops.Daemon.Service;

/// <summary>Runs a service-manager tool (systemctl, sc.exe) to completion and reports what it said.</summary>
internal static class ExternalCommand
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    /// <summary>The exit code and the combined output; exit code 127 when the tool cannot be started.</summary>
    public static (int ExitCode, string Output) Run(string file, IReadOnlyList<string> arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(Timeout))
            {
                process.Kill(entireProcessTree: true);
                return (124, $"{file} did not finish within {Timeout.TotalMinutes} minutes");
            }

            return (process.ExitCode, (stdout.Result + stderr.Result).Trim());
        }
        catch (Win32Exception ex)
        {
            return (127, $"cannot run {file}: {ex.Message}");
        }
    }

    /// <summary>"systemctl enable --now opsd.service", for messages.</summary>
    public static string Describe(string file, IEnumerable<string> arguments) => string.Join(' ', arguments.Prepend(file));
}
