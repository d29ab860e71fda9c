using System.Globalization;

namespace Ops.TestWorker;

/// <summary>The worker's flags; they combine freely. Unknown flags are an error (exit 64) so typos in tests show.</summary>
internal sealed class WorkerOptions
{
    public bool PrintPid { get; private set; }

    public string? PidFile { get; private set; }

    public bool IgnoreTerm { get; private set; }

    public int Grandchildren { get; private set; }

    public string? StderrText { get; private set; }

    /// <summary>Null: no flood; 0: forever.</summary>
    public long? FloodLines { get; private set; }

    public int LineBytes { get; private set; } = 80;

    public int AllocMegabytes { get; private set; }

    public int? HttpPort { get; private set; }

    public int HttpStatus { get; private set; } = 200;

    public int? HttpFailAfter { get; private set; }

    public List<string> EchoEnv { get; } = [];

    public bool ReadStdin { get; private set; }

    public bool ExitOnStdinEof { get; private set; }

    public double? SleepSeconds { get; private set; }

    public bool Forever { get; private set; }

    public int ExitCode { get; private set; }

    /// <summary>Leave the process group before anything else: "session" (setsid), "group" (setpgid(0, 0)).</summary>
    public string? Leave { get; private set; }

    /// <summary>
    /// Start one copy that leaves the group: "session", "group", or "daemon" (a middle copy calls setsid, starts the
    /// copy and exits at once: fork-setsid-fork).
    /// </summary>
    public string? Escape { get; private set; }

    /// <summary>The daemon's middle copy: start the copy, then exit 0 before doing anything else.</summary>
    public bool SpawnAndExit { get; private set; }

    /// <summary>The arguments minus --grandchildren N and the escape flags: what each grandchild is started with.</summary>
    public List<string> GrandchildArgs { get; } = [];

    public static WorkerOptions Parse(string[] args)
    {
        var options = new WorkerOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string flag = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{flag} needs a value");
            int Int() => int.Parse(Value(), CultureInfo.InvariantCulture);

            int start = i;
            switch (flag)
            {
                case "--print-pid": options.PrintPid = true; break;
                case "--pid-file": options.PidFile = Value(); break;
                case "--ignore-term": options.IgnoreTerm = true; break;
                case "--grandchildren": options.Grandchildren = Int(); break;
                case "--stderr": options.StderrText = Value(); break;
                case "--flood": options.FloodLines = long.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--line-bytes": options.LineBytes = Int(); break;
                case "--alloc-mb": options.AllocMegabytes = Int(); break;
                case "--http": options.HttpPort = Int(); break;
                case "--http-status": options.HttpStatus = Int(); break;
                case "--http-fail-after": options.HttpFailAfter = Int(); break;
                case "--echo-env": options.EchoEnv.Add(Value()); break;
                case "--read-stdin": options.ReadStdin = true; break;
                case "--exit-on-stdin-eof": options.ExitOnStdinEof = true; break;
                case "--sleep": options.SleepSeconds = double.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--forever": options.Forever = true; break;
                case "--exit": options.ExitCode = Int(); break;
                case "--leave": options.Leave = Kind(Value(), "session", "group"); break;
                case "--escape": options.Escape = Kind(Value(), "session", "group", "daemon"); break;
                case "--spawn-and-exit": options.SpawnAndExit = true; break;
                default: throw new ArgumentException($"unknown flag '{flag}'");
            }

            if (flag is not ("--grandchildren" or "--leave" or "--escape" or "--spawn-and-exit"))
            {
                options.GrandchildArgs.AddRange(args[start..(i + 1)]);
            }
        }

        return options;
    }

    private static string Kind(string value, params string[] kinds) =>
        kinds.Contains(value) ? value : throw new ArgumentException($"'{value}' is not one of {string.Join(", ", kinds)}");
}
