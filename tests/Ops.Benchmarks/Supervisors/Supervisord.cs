using System.Net.Sockets;
using System.Text;
using System.Xml.Linq;
using Ops.Benchmarks.Infrastructure;

namespace Ops.Benchmarks.Supervisors;

/// <summary>A program for a generated supervisord config; the command is parsed by supervisord (shlex), not a shell.</summary>
internal sealed record SupervisordProgram(string Name, string Command);

/// <summary>supervisord in the foreground with a generated config in its own directory, asked over XML-RPC on a unix socket.</summary>
internal sealed class Supervisord : ISupervisor
{
    /// <summary>The Debian package that provides it, for the "skipped" note.</summary>
    public const string Package = "supervisor";

    private readonly HttpClient _http;

    private Supervisord(LaunchedProcess process, HttpClient http)
    {
        Process = process;
        _http = http;
    }

    public string Label => "supervisord";

    public LaunchedProcess Process { get; }

    /// <summary>supervisord on PATH, or null when it is not installed.</summary>
    public static string? Find() => ExecutableSearch.OnPath("supervisord");

    /// <summary>
    /// Writes the config into <paramref name="workDirectory"/> and starts supervisord with it. Every program restarts
    /// on any exit (autorestart=true) and counts as RUNNING at once (startsecs=0: supervisord takes whole seconds only).
    /// </summary>
    public static Supervisord Start(string executable, string workDirectory, IReadOnlyList<SupervisordProgram> programs, ProcessJanitor janitor)
    {
        var socketPath = Path.Combine(workDirectory, "supervisor.sock");
        var logDirectory = Directory.CreateDirectory(Path.Combine(workDirectory, "log")).FullName;
        var config = new StringBuilder()
            .AppendLine("[unix_http_server]")
            .AppendLine($"file={socketPath}")
            .AppendLine("[rpcinterface:supervisor]")
            .AppendLine("supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface")
            .AppendLine("[supervisord]")
            .AppendLine("nodaemon=true")
            .AppendLine("loglevel=warn")
            .AppendLine($"logfile={Path.Combine(workDirectory, "supervisord.log")}")
            .AppendLine($"pidfile={Path.Combine(workDirectory, "supervisord.pid")}")
            .AppendLine($"childlogdir={logDirectory}");
        foreach (var program in programs)
        {
            config
                .AppendLine($"[program:{program.Name}]")
                .AppendLine($"command={program.Command}")
                .AppendLine("autorestart=true")
                .AppendLine("startsecs=0")
                .AppendLine("startretries=100000")
                .AppendLine("stopasgroup=true")
                .AppendLine("killasgroup=true")
                .AppendLine("stopwaitsecs=2");
        }

        var configPath = Path.Combine(workDirectory, "supervisord.conf");
        File.WriteAllText(configPath, config.ToString());
        var process = LaunchedProcess.Start("supervisord", executable, ["--nodaemon", "--configuration", configPath], janitor);
        return new Supervisord(process, UnixSocketClient(socketPath));
    }

    public async Task<IReadOnlyList<ProgramStatus>?> TryGetProgramsAsync(CancellationToken cancellationToken)
    {
        var response = await TryCallAsync("supervisor.getAllProcessInfo", cancellationToken);
        return response?.Descendants("struct").Select(ToStatus).ToList();
    }

    /// <summary>supervisord's own version, for the report.</summary>
    public async Task<string?> VersionAsync(CancellationToken cancellationToken) =>
        (await TryCallAsync("supervisor.getSupervisorVersion", cancellationToken))?.Descendants("value").FirstOrDefault()?.Value;

    public void Dispose()
    {
        Process.Dispose();
        _http.Dispose();
    }

    private static ProgramStatus ToStatus(XElement info)
    {
        var members = info.Elements("member").ToDictionary(m => (string?)m.Element("name") ?? string.Empty, m => m.Element("value")?.Value ?? string.Empty);
        var pid = int.TryParse(members.GetValueOrDefault("pid"), out var p) && p > 0 ? p : (int?)null;
        return new ProgramStatus(members.GetValueOrDefault("name", "?"), members.GetValueOrDefault("statename") == "RUNNING", pid, 0);
    }

    private static HttpClient UnixSocketClient(string socketPath)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { BaseAddress = new Uri("http://localhost/"), Timeout = TimeSpan.FromSeconds(5) };
    }

    /// <summary>One XML-RPC call without arguments; null while the socket is not there yet.</summary>
    private async Task<XDocument?> TryCallAsync(string method, CancellationToken cancellationToken)
    {
        var body = $"<?xml version=\"1.0\"?><methodCall><methodName>{method}</methodName><params></params></methodCall>";
        try
        {
            using var content = new StringContent(body, Encoding.UTF8, "text/xml");
            using var response = await _http.PostAsync("RPC2", content, cancellationToken);
            response.EnsureSuccessStatusCode();
            return XDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }
}
