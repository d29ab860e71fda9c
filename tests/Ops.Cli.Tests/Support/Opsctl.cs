using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Ops.Daemon.Tests.Support;

namespace Ops.Cli.Tests.Support;

/// <summary>Runs the real opsctl (opsctl.dll, copied next to the tests) as a process and captures what it prints.</summary>
internal static class Opsctl
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    public static string Dll => Path.Combine(AppContext.BaseDirectory, "opsctl.dll");

    /// <summary>
    /// Runs <c>opsctl <paramref name="args"/></c> with OPS_URL and OPS_TOKEN cleared unless <paramref name="environment"/>
    /// sets them, so the machine's environment cannot leak into a test.
    /// </summary>
    public static async Task<CliResult> RunAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        using var process = Process.Start(StartInfo(args, environment))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"opsctl {string.Join(' ', args)} did not finish within {Timeout}:\n{await stdout}\n{await stderr}");
        }

        return new CliResult(string.Join(' ', args), process.ExitCode, await stdout, await stderr);
    }

    /// <summary>opsctl against <paramref name="opsd"/> through --url.</summary>
    public static Task<CliResult> RunAsync(Opsd opsd, params string[] args) => RunAsync(["--url", opsd.Url, .. args]);

    /// <summary>Starts opsctl without waiting for it (for tail -f); the caller reads its output and kills it.</summary>
    public static Process Start(IEnumerable<string> args) => Process.Start(StartInfo(args, null))!;

    private static ProcessStartInfo StartInfo(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment)
    {
        var info = new ProcessStartInfo(Tools.Dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(Dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment.Remove("OPS_URL");
        info.Environment.Remove("OPS_TOKEN");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        return info;
    }
}

/// <summary>What one opsctl run printed, and how it exited.</summary>
internal sealed record CliResult(string Command, int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Stdout as one JSON document; fails the test, showing everything, when it is not.</summary>
    public JsonElement Json()
    {
        try
        {
            return JsonDocument.Parse(Stdout).RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new Xunit.Sdk.XunitException($"opsctl {Command} printed no single JSON document on stdout ({ex.Message}):\n{this}");
        }
    }

    /// <summary>Asserts the exit code, showing the output when it differs.</summary>
    public CliResult ExitsWith(int expected)
    {
        Assert.True(ExitCode == expected, $"opsctl {Command}: expected exit {expected}, got {ExitCode}\n{this}");
        return this;
    }

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}
