// Running the external tools of a build step: output streamed to the console (prefixed when steps run side by
// side) and to a log file, and a failure that names the step, the command and the log.
using System.Diagnostics;

public sealed class CommandResult
{
    public int ExitCode { get; init; }

    public IReadOnlyList<string> Lines { get; init; } = Array.Empty<string>();

    /// <summary>The last non-empty line: scripts here print their answer there.</summary>
    public string LastLine => Lines.LastOrDefault(l => l.Trim().Length > 0)?.Trim() ?? string.Empty;

    public string Output => string.Join("\n", Lines);
}

public static class Shell
{
    private static readonly object ConsoleLock = new();

    /// <summary>
    /// Runs FILE ARGS in the repository root. Throws a CakeException naming STEP when it exits non-zero and
    /// <paramref name="check"/> is set; the log file, when given, keeps the whole output.
    /// </summary>
    public static CommandResult Run(string step, string file, IEnumerable<string> arguments, string logFile = null,
        IDictionary<string, string> environment = null, bool check = true, string prefix = null, bool echo = true)
    {
        var args = arguments.ToList();
        var info = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in args)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var lines = new List<string>();
        StreamWriter log = null;
        if (logFile is not null)
        {
            System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(logFile)));
            log = new StreamWriter(logFile, append: true) { AutoFlush = true };
            log.WriteLine($"$ {Describe(file, args)}");
        }

        void OnLine(string line)
        {
            if (line is null)
            {
                return;
            }

            lock (lines)
            {
                lines.Add(line);
                log?.WriteLine(line);
            }

            if (echo)
            {
                lock (ConsoleLock)
                {
                    Console.WriteLine(prefix is null ? line : $"{prefix} {line}");
                }
            }
        }

        int exitCode;
        try
        {
            using var process = new Process { StartInfo = info };
            process.OutputDataReceived += (_, e) => OnLine(e.Data);
            process.ErrorDataReceived += (_, e) => OnLine(e.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            process.WaitForExit();
            exitCode = process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new CakeException($"{step}: cannot run {file}: {ex.Message}");
        }
        finally
        {
            log?.Dispose();
        }

        var result = new CommandResult { ExitCode = exitCode, Lines = lines };
        if (check && exitCode != 0)
        {
            var where = logFile is null ? string.Empty : $"; the whole output is in {logFile}";
            throw new CakeException($"{step} failed: `{Describe(file, args)}` exited with {exitCode}: {result.LastLine}{where}");
        }

        return result;
    }

    public static string Describe(string file, IEnumerable<string> arguments) =>
        string.Join(" ", arguments.Prepend(file).Select(a => a.Contains(' ') ? $"'{a}'" : a));
}

// The Debian packages a target needs, installed when missing (build/prerequisites.sh).
public void EnsurePrerequisites(params string[] groups) =>
    Shell.Run($"Prerequisites ({string.Join(", ", groups)})", "build/prerequisites.sh", groups);
