using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ops.Daemon.Tests.Support;

/// <summary>
/// A real opsd process on a free port with its own config, state and log directories. Every process it starts
/// carries this instance's marker in its environment, so Dispose can prove (and then enforce) that none is left.
/// </summary>
internal sealed class Opsd : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>How long a disposed opsd may take to stop after SIGTERM: longer than any test's StopTimeout.</summary>
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How long processes the test SIGKILLed after killing opsd may take to vanish before they count as left.</summary>
    private static readonly TimeSpan KilledOrphansSettle = TimeSpan.FromSeconds(2);
    private readonly StringBuilder _output = new();
    private Process? _process;

    public Opsd(JsonObject programs, JsonObject? extraOps = null, string? token = null, string hostName = "test-host")
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("opsd-test-").FullName;
        Port = Tools.FreePort();
        Marker = Guid.NewGuid().ToString("N");
        var ops = new JsonObject
        {
            ["Host"] = new JsonObject
            {
                ["Urls"] = Url,
                ["StateDirectory"] = Path.Combine(Directory, "state"),
                ["LogDirectory"] = Path.Combine(Directory, "log"),
                ["Name"] = hostName,
            },
            ["Logging"] = new JsonObject { ["File"] = true, ["Level"] = "Debug" },
            ["Programs"] = programs,
        };
        foreach (var (key, value) in extraOps ?? [])
        {
            ops[key] = value?.DeepClone();
        }

        ConfigPath = Path.Combine(Directory, "opsd.json");
        File.WriteAllText(ConfigPath, new JsonObject { ["Ops"] = ops }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        Http = new HttpClient { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromSeconds(10) };
        if (token is not null)
        {
            Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }
    }

    private Opsd(Opsd previous)
    {
        (Directory, Port, Marker, ConfigPath) = (previous.Directory, previous.Port, previous.Marker, previous.ConfigPath);
        Http = new HttpClient { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromSeconds(10) };
    }

    public string Directory { get; }

    public int Port { get; }

    public string Marker { get; }

    public string ConfigPath { get; }

    public string Url => $"http://127.0.0.1:{Port}";

    public HttpClient Http { get; }

    /// <summary>Variables set for opsd on top of the test's environment (OPS__... overrides).</summary>
    public Dictionary<string, string> ExtraEnvironment { get; } = new(StringComparer.Ordinal);

    public int Pid => _process?.Id ?? 0;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>A second daemon on the same config, port and state directory, as after a crash and restart.</summary>
    public static Opsd Restart(Opsd previous) => new(previous);

    /// <summary>Starts opsd and waits until /healthz answers.</summary>
    public async Task<Opsd> StartAsync(bool waitReady = true)
    {
        var info = new ProcessStartInfo(Tools.Dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Tools.Opsd);
        info.ArgumentList.Add("--config");
        info.ArgumentList.Add(ConfigPath);
        info.Environment[ProcessTable.MarkerVariable] = Marker;
        info.Environment["DOTNET_gcServer"] = "0";
        foreach (var (name, value) in ExtraEnvironment)
        {
            info.Environment[name] = value;
        }
        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"opsd exited with {_process.ExitCode} at start:\n{Output}");
            }

            try
            {
                using var response = await Http.GetAsync(waitReady ? "/readyz" : "/healthz");
                if (response.IsSuccessStatusCode)
                {
                    return this;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"opsd was not {(waitReady ? "ready" : "healthy")} within 30 s:\n{Output}");
    }

    public async Task<List<InstanceView>> ProgramsAsync(string? name = null)
    {
        var path = name is null ? "/api/v1/programs" : $"/api/v1/programs/{name}";
        return (await Http.GetFromJsonAsync<List<InstanceView>>(path, Json))!;
    }

    public async Task<List<TransitionView>> HistoryAsync(string name) =>
        (await Http.GetFromJsonAsync<List<TransitionView>>($"/api/v1/programs/{name}/history", Json))!;

    public Task<HttpResponseMessage> CommandAsync(string verb, string target) =>
        Http.PostAsync($"/api/v1/programs/{target}/{verb}", null);

    /// <summary>Polls the API until every instance of <paramref name="name"/> satisfies <paramref name="predicate"/>.</summary>
    public async Task<List<InstanceView>> WaitForAsync(string name, Func<InstanceView, bool> predicate, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        List<InstanceView> last = [];
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                last = await ProgramsAsync(name);
            }
            catch (HttpRequestException ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                // Not known (yet), e.g. another host's program before it is published.
                last = [];
            }

            if (last.Count > 0 && last.All(predicate))
            {
                return last;
            }

            await Task.Delay(25);
        }

        throw new TimeoutException($"{name} did not become {what} within {timeout}: {JsonSerializer.Serialize(last)}\n{Output}");
    }

    public Task<List<InstanceView>> WaitForStateAsync(string name, string state, TimeSpan timeout) =>
        WaitForAsync(name, i => i.State == state, timeout, state);

    /// <summary>SIGKILL to opsd alone: its children are left as orphans, as after a crash.</summary>
    public async Task KillDaemonAsync()
    {
        _process!.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM and wait for a clean exit; returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (_process is null || _process.HasExited)
        {
            return _process?.ExitCode ?? 0;
        }

        Native.Kill(_process.Id, Native.SIGTERM);
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>Pids of processes started (directly or not) by this opsd that are still alive, opsd excluded.</summary>
    public IReadOnlyList<int> LiveChildren() => ProcessTable.WithMarker(Marker).Where(p => p != Pid).ToList();

    /// <summary>
    /// Stops opsd with SIGTERM and fails when anything it started outlived it: the marker is in the environment, so
    /// a process that left its process group (setsid, a daemon) is found too. The check comes first and sees opsd
    /// however it ended (stopped here, crashed, or killed by the test, whose orphans the test must end itself);
    /// leftovers are killed after it, so the next test starts clean. In a <see cref="ProcessLeakGuardAttribute"/>
    /// test the failure is reported to the guard, which fails the test beside any failure of its own.
    /// </summary>
    /// <exception cref="InvalidOperationException">Outside a guarded test: opsd's shutdown left processes running.</exception>
    public async ValueTask DisposeAsync()
    {
        var failures = new List<string>();
        var stoppedHere = false;
        try
        {
            if (_process is { HasExited: false })
            {
                stoppedHere = true;
                try
                {
                    await StopAsync(ShutdownTimeout);
                }
                catch (OperationCanceledException)
                {
                    failures.Add($"opsd (pid {_process.Id}) did not exit within {ShutdownTimeout.TotalSeconds:0} s of SIGTERM (killed now)");
                    // opsd alone: what it leaves is then found and named below, not killed unseen.
                    _process.Kill(entireProcessTree: false);
                    await _process.WaitForExitAsync();
                }
            }

            // opsd gone before this (killed by the test, which then SIGKILLs the orphans itself): a killed process may
            // still be tearing down for a moment (a .NET worker's threads), so those get a stated window to vanish.
            // A graceful stop gets none: opsd itself waits for every process before it exits.
            if (_process is not null && !stoppedHere && LiveChildren().Count > 0)
            {
                var settling = System.Diagnostics.Stopwatch.StartNew();
                while (LiveChildren().Count > 0 && settling.Elapsed < KilledOrphansSettle)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(20));
                }
            }

            if (_process is not null && LiveChildren() is { Count: > 0 } left)
            {
                failures.Add($"{left.Count} process(es) started by opsd outlived it (killed now):\n  {string.Join("\n  ", left.Select(ProcessTable.Describe))}");
            }
        }
        finally
        {
            ProcessTable.KillAll(Marker);
            _process?.Dispose();
            Http.Dispose();
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        if (failures.Count > 0)
        {
            ProcessLeakScope.Report($"opsd at {Url}: {string.Join("\n", failures)}\n--- opsd output ---\n{Output}");
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}

internal sealed record InstanceView(string Name, int Instance, string Host, string State, int? Pid, DateTimeOffset Since, int Restarts, int? LastExitCode, int? LastSignal, string? Reason, bool? Healthy);

internal sealed record TransitionView(int Instance, DateTimeOffset At, string From, string To, string Reason, int? Pid, int? ExitCode, int? Signal, double? DelayMs, List<string> StderrTail);
