using System.Globalization;
using System.Runtime.InteropServices;

namespace Ops.Benchmarks.Infrastructure;

/// <summary>Where reports go: the console and artifacts/bench/&lt;scenario&gt;.md at the repository root.</summary>
internal static class BenchReport
{
    private const string SolutionFile = "Ops.sln";

    /// <summary>The repository root: the first directory up from the binaries (or else the working directory) that holds Ops.sln.</summary>
    private static string RepositoryRoot() =>
        FindUp(AppContext.BaseDirectory) ?? FindUp(Environment.CurrentDirectory)
        ?? throw new DirectoryNotFoundException($"no {SolutionFile} above {AppContext.BaseDirectory} or {Environment.CurrentDirectory}");

    /// <summary>One line naming the machine and runtime, so that numbers are never read without their context.</summary>
    public static string MachineLine() => string.Create(
        CultureInfo.InvariantCulture,
        $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, Linux {Environment.OSVersion.Version}, {RuntimeInformation.FrameworkDescription}");

    /// <summary>artifacts/bench at the repository root, created when missing.</summary>
    public static string Directory() => System.IO.Directory.CreateDirectory(Path.Combine(RepositoryRoot(), "artifacts", "bench")).FullName;

    /// <summary>Prints <paramref name="markdown"/> and writes it to artifacts/bench/<paramref name="scenario"/>.md; returns the file.</summary>
    public static string Write(string scenario, string markdown)
    {
        var file = Path.Combine(Directory(), $"{scenario}.md");
        File.WriteAllText(file, markdown);
        Console.WriteLine(markdown);
        return file;
    }

    /// <summary>Milliseconds with two decimals, invariant.</summary>
    public static string Ms(double milliseconds) => milliseconds.ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>Seconds with three decimals, invariant.</summary>
    public static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture);

    private static string? FindUp(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, SolutionFile)))
            {
                return directory.FullName;
            }
        }

        return null;
    }
}
