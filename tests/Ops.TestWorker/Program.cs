using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Ops.TestWorker;

// A dummy child for the Ops.Processes tests. Order matters: signal handling first (so a test that has seen the pid
// file knows SIGTERM is already ignored), then memory, grandchildren, pid reports, output, and finally the wait.
WorkerOptions options;
try
{
    options = WorkerOptions.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException)
{
    Console.Error.WriteLine("ops-testworker: " + ex.Message);
    return 64;
}

// Escaping the process group comes first: the copy a test later finds must already be outside it.
if (options.Leave is not null && (options.Leave == "session" ? Escaping.setsid() : Escaping.setpgid(0, 0)) < 0)
{
    Console.Error.WriteLine($"ops-testworker: cannot leave the {options.Leave}: errno {Marshal.GetLastPInvokeError()}");
    return 70;
}

if (options.SpawnAndExit)
{
    StartCopy(options.GrandchildArgs);
    return 0;
}

var registrations = new List<PosixSignalRegistration>();
if (options.IgnoreTerm)
{
    registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => context.Cancel = true));
    registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, context => context.Cancel = true));
}

var kept = new List<byte[]>();
for (int mb = 0; mb < options.AllocMegabytes; mb++)
{
    byte[] block = new byte[1024 * 1024];

    // Touch every page so it is resident, not just reserved.
    for (int offset = 0; offset < block.Length; offset += 4096)
    {
        block[offset] = 1;
    }

    kept.Add(block);
}

for (int i = 0; i < options.Grandchildren; i++)
{
    StartCopy(options.GrandchildArgs);
}

switch (options.Escape)
{
    case "session" or "group":
        StartCopy([.. options.GrandchildArgs, "--leave", options.Escape]);
        break;
    case "daemon":
        StartCopy([.. options.GrandchildArgs, "--leave", "session", "--spawn-and-exit"]);
        break;
}

int pid = Environment.ProcessId;
if (options.PidFile is not null)
{
    PidFile.Append(options.PidFile, pid);
}

if (options.PrintPid)
{
    Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"pid {pid}"));
}

if (options.StderrText is not null)
{
    Console.Error.WriteLine(options.StderrText);
}

foreach (string name in options.EchoEnv)
{
    Console.Out.WriteLine($"{name}={Environment.GetEnvironmentVariable(name)}");
}

if (options.HttpPort is { } port)
{
    new TinyHttpServer(port, options.HttpStatus, options.HttpFailAfter).Start();
}

if (options.FloodLines is { } count)
{
    Flood(count, options.LineBytes);
}

if (options.ReadStdin)
{
    string? line;
    while ((line = Console.In.ReadLine()) is not null)
    {
        Console.Out.WriteLine("stdin: " + line);
    }

    if (options.ExitOnStdinEof)
    {
        return options.ExitCode;
    }
}

if (options.Forever)
{
    Thread.Sleep(Timeout.Infinite);
}
else if (options.SleepSeconds is { } seconds)
{
    Thread.Sleep(TimeSpan.FromSeconds(seconds));
}

GC.KeepAlive(kept);
GC.KeepAlive(registrations);
return options.ExitCode;

// Numbered lines as fast as the pipe takes them; count 0 floods until the reader goes away.
static void Flood(long count, int lineBytes)
{
    using Stream stdout = Console.OpenStandardOutput();
    using var buffered = new BufferedStream(stdout, 64 * 1024);
    string padding = new('x', Math.Max(0, lineBytes - 12));
    try
    {
        for (long n = 1; count == 0 || n <= count; n++)
        {
            byte[] line = Encoding.ASCII.GetBytes(n.ToString("D10", CultureInfo.InvariantCulture) + " " + padding + "\n");
            buffered.Write(line);
        }

        buffered.Flush();
    }
    catch (IOException)
    {
        // The reader is gone (EPIPE): nothing more to print.
    }
}

// Grandchildren stay in this process group: a plain Process start, inheriting stdout and stderr.
static void StartCopy(List<string> arguments)
{
    string host = Environment.ProcessPath ?? "dotnet";
    var start = new ProcessStartInfo(host) { UseShellExecute = false };
    if (Path.GetFileNameWithoutExtension(host) == "dotnet")
    {
        start.ArgumentList.Add(typeof(WorkerOptions).Assembly.Location);
    }

    foreach (string argument in arguments)
    {
        start.ArgumentList.Add(argument);
    }

    using Process? child = Process.Start(start);
}
