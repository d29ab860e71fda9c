using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Ops.Benchmarks.Infrastructure;

namespace Ops.Benchmarks.Supervisors;

/// <summary>One entry of GET /api/v1/programs/{name}/history, as far as the benchmarks read it.</summary>
internal sealed record OpsdTransition(int Instance, DateTimeOffset At, string From, string To, string Reason, int? Pid);

/// <summary>A program for a generated opsd config.</summary>
internal sealed record OpsdProgram(string Name, string Command, IReadOnlyList<string> Args);

/// <summary>opsd, run from this project's output folder as <c>dotnet opsd.dll --config FILE</c> with a generated config.</summary>
internal sealed partial class Opsd : ISupervisor
{
    /// <summary>50 ms: long enough that a start is judged, short enough not to dominate the time to Running.</summary>
    public const string StartSeconds = "0.05";

    private static readonly JsonSerializerOptions ConfigJson = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
    private static readonly JsonSerializerOptions ApiJson = new(JsonSerializerDefaults.Web);

    /// <summary>Most an ordinary API call may take; slower calls (a big submit) pass their own limit.</summary>
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);

    private readonly HttpClient _http;

    private Opsd(LaunchedProcess process, HttpClient http)
    {
        Process = process;
        _http = http;
    }

    public string Label => "opsd";

    public LaunchedProcess Process { get; }

    /// <summary>
    /// Writes the config into <paramref name="workDirectory"/> and starts opsd on a free loopback port, with
    /// <paramref name="tasks"/> (a queue, one task and the task storage) when given.
    /// </summary>
    public static Opsd Start(string workDirectory, IReadOnlyList<OpsdProgram> programs, ProcessJanitor janitor, OpsdTaskSetup? tasks = null)
    {
        var port = LoopbackPort.Free();
        var configPath = Path.Combine(workDirectory, "opsd.json");
        File.WriteAllText(configPath, JsonSerializer.Serialize(Config(workDirectory, port, programs, tasks), ConfigJson));

        var opsdDll = Path.Combine(AppContext.BaseDirectory, "opsd.dll");
        if (!File.Exists(opsdDll))
        {
            throw new FileNotFoundException($"{opsdDll} is missing: Ops.Benchmarks must reference daemon/Ops.Daemon so that opsd lands in its output folder", opsdDll);
        }

        var process = LaunchedProcess.Start("opsd", DotnetHost(), [opsdDll, "--config", configPath], janitor);
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = Timeout.InfiniteTimeSpan };
        return new Opsd(process, http);
    }

    public async Task<IReadOnlyList<ProgramStatus>?> TryGetProgramsAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var limit = Bounded(RequestTimeout, cancellationToken);
            var instances = await _http.GetFromJsonAsync<List<InstanceDto>>("api/v1/programs", ApiJson, limit.Token);
            return instances?.Select(i => new ProgramStatus($"{i.Name}:{i.Instance}", i.State == "Running", i.Pid, i.Restarts)).ToList();
        }
        catch (HttpRequestException)
        {
            // Not listening yet.
            return null;
        }
    }

    /// <summary>The transitions of <paramref name="program"/>, newest first (opsd keeps the last 200 per instance).</summary>
    public async Task<IReadOnlyList<OpsdTransition>> HistoryAsync(string program, CancellationToken cancellationToken)
    {
        using var limit = Bounded(RequestTimeout, cancellationToken);
        return await _http.GetFromJsonAsync<List<OpsdTransition>>($"api/v1/programs/{program}/history", ApiJson, limit.Token) ?? [];
    }

    public void Dispose()
    {
        Process.Dispose();
        _http.Dispose();
    }

    /// <summary>A token that fires after <paramref name="timeout"/> or with <paramref name="cancellationToken"/>, whichever is first.</summary>
    private static CancellationTokenSource Bounded(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        return limit;
    }

    private static object Config(string workDirectory, int port, IReadOnlyList<OpsdProgram> programs, OpsdTaskSetup? tasks) => new
    {
        Ops = new
        {
            Host = new
            {
                Urls = $"http://127.0.0.1:{port}",
                StateDirectory = Path.Combine(workDirectory, "state"),
                LogDirectory = Path.Combine(workDirectory, "log"),
                Name = "bench",
            },
            Logging = new { Level = "Warning", File = false },
            Programs = programs.ToDictionary(p => p.Name, p => (object)new
            {
                p.Command,
                p.Args,
                Instances = 1,
                StartSeconds,
                MaxRestarts = 100_000,
                RestartWindow = "1m",
                Backoff = new { Initial = "0s", Max = "0s", Multiplier = 1, Jitter = 0 },
                StopTimeout = "2s",
            }),
            Storage = tasks?.StorageSection(),
            Queues = tasks?.QueuesSection(),
            Tasks = tasks?.TasksSection(),
        },
    };

    /// <summary>The dotnet host that runs this harness, so opsd runs on the same runtime; "dotnet" from PATH otherwise.</summary>
    private static string DotnetHost()
    {
        // The runtime directory is <root>/shared/Microsoft.NETCore.App/<version>/.
        var root = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        var host = Path.Combine(root, "dotnet");
        return File.Exists(host) ? host : "dotnet";
    }

    private sealed record InstanceDto(string Name, int Instance, string State, int? Pid, int Restarts);
}
