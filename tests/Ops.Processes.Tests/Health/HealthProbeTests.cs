using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Ops.Processes.Health;
using Ops.Processes.Sampling;
using Ops.Processes.Tests.Support;
using Ops.Supervision.Os;
using Ops.Supervision.Specs;

namespace Ops.Processes.Tests.Health;

public sealed class HealthProbeTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly ProcessSandbox _sandbox = new();
    private readonly TrackingLauncher _launcher;
    private readonly HealthProbe _probe;

    public HealthProbeTests()
    {
        _launcher = new TrackingLauncher(_sandbox);
        _probe = new HealthProbe(_launcher);
    }

    public void Dispose()
    {
        _probe.Dispose();
        _sandbox.Dispose();
    }

    [Fact]
    public async Task Http_Answers200_Healthy()
    {
        int port = FreePort();
        IRunningProcess server = await StartHttpWorkerAsync(port);

        HealthResult result = await _probe.CheckAsync(Http($"http://127.0.0.1:{port}/health"), CancellationToken.None);

        Assert.Equal(new HealthResult(true, "HTTP 200"), result);
        await StopAsync(server);
    }

    [Fact]
    public async Task Http_Answers500_UnhealthyWithStatus()
    {
        int port = FreePort();
        IRunningProcess server = await StartHttpWorkerAsync(port, "--http-status", "500");

        HealthResult result = await _probe.CheckAsync(Http($"http://127.0.0.1:{port}/"), CancellationToken.None);

        Assert.Equal(new HealthResult(false, "HTTP 500"), result);
        await StopAsync(server);
    }

    [Fact]
    public async Task Http_ServerStartsFailing_TurnsUnhealthy()
    {
        int port = FreePort();
        IRunningProcess server = await StartHttpWorkerAsync(port, "--http-fail-after", "2");

        // StartHttpWorkerAsync used one request to see the server up.
        HealthResult second = await _probe.CheckAsync(Http($"http://127.0.0.1:{port}/"), CancellationToken.None);
        HealthResult third = await _probe.CheckAsync(Http($"http://127.0.0.1:{port}/"), CancellationToken.None);

        Assert.True(second.Healthy);
        Assert.Equal(new HealthResult(false, "HTTP 500"), third);
        await StopAsync(server);
    }

    [Fact]
    public async Task Http_NothingListening_UnhealthyConnectionRefused()
    {
        HealthResult result = await _probe.CheckAsync(Http($"http://127.0.0.1:{FreePort()}/"), CancellationToken.None);

        Assert.Equal(new HealthResult(false, "connection refused"), result);
    }

    [Fact]
    public async Task Http_ServerNeverAnswers_TimesOutOnTime()
    {
        // Connections complete in the kernel's backlog, but nobody ever reads the request.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        int port = ((IPEndPoint)silent.LocalEndpoint).Port;

        var clock = Stopwatch.StartNew();
        HealthResult result = await _probe.CheckAsync(Http($"http://127.0.0.1:{port}/", TimeSpan.FromMilliseconds(300)), CancellationToken.None);
        clock.Stop();

        Assert.Equal(new HealthResult(false, "timeout after 0.3s"), result);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task Http_InvalidUrl_UnhealthyNotThrown()
    {
        HealthResult result = await _probe.CheckAsync(Http("not a url"), CancellationToken.None);

        Assert.Equal(new HealthResult(false, "invalid URL 'not a url'"), result);
    }

    [Fact]
    public async Task Tcp_Listening_Healthy()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;

        HealthResult result = await _probe.CheckAsync(Tcp($"127.0.0.1:{port}"), CancellationToken.None);

        Assert.True(result.Healthy, result.Detail);
    }

    [Fact]
    public async Task Tcp_Refused_Unhealthy()
    {
        HealthResult result = await _probe.CheckAsync(Tcp($"127.0.0.1:{FreePort()}"), CancellationToken.None);

        Assert.Equal(new HealthResult(false, "connection refused"), result);
    }

    [Fact]
    public async Task Tcp_BadTarget_Unhealthy()
    {
        HealthResult result = await _probe.CheckAsync(Tcp("no-port-here"), CancellationToken.None);

        Assert.False(result.Healthy);
        Assert.Contains("host:port", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Command_ExitZero_Healthy()
    {
        HealthResult result = await _probe.CheckAsync(Command(TimeSpan.FromSeconds(5), "--exit", "0"), CancellationToken.None);

        Assert.Equal(new HealthResult(true, "exit 0"), result);
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public async Task Command_ExitOne_UnhealthyWithLastStderrLine()
    {
        HealthResult result = await _probe.CheckAsync(Command(TimeSpan.FromSeconds(5), "--stderr", "db unreachable", "--exit", "1"), CancellationToken.None);

        Assert.Equal(new HealthResult(false, "exit 1: db unreachable"), result);
        Assert.False(Directory.Exists(_sandbox.Options.LogDirectory));
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public async Task Command_Hangs_TimesOutAndKillsItsWholeGroup()
    {
        string pidFile = _sandbox.PathFor("pids");

        var clock = Stopwatch.StartNew();
        HealthResult result = await _probe.CheckAsync(
            Command(TimeSpan.FromMilliseconds(1500), "--ignore-term", "--grandchildren", "1", "--pid-file", pidFile, "--forever"),
            CancellationToken.None);
        clock.Stop();

        Assert.Equal(new HealthResult(false, "timeout after 1.5s"), result);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(1400), TimeSpan.FromSeconds(4));
        IReadOnlyList<int> pids = Eventually.ReadPids(pidFile);
        Assert.Equal(2, pids.Count);
        Assert.All(pids, pid => Assert.False(ProcessTable.IsAlive(pid)));
        await _sandbox.AssertNoProcessLeftAsync();
    }

    [Fact]
    public async Task Command_NotFound_UnhealthyNamingCommand()
    {
        var check = new HealthCheckSpec(HealthCheckKind.Command, "", ["ops-no-such-check"], TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1), 3, TimeSpan.Zero);

        HealthResult result = await _probe.CheckAsync(check, CancellationToken.None);

        Assert.False(result.Healthy);
        Assert.Contains("command 'ops-no-such-check' not found on PATH", result.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Command_Cancelled_UnhealthyAndKilled()
    {
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));

        HealthResult result = await _probe.CheckAsync(Command(TimeSpan.FromSeconds(30), "--forever"), cancellation.Token);

        Assert.Equal(new HealthResult(false, "cancelled"), result);
        await _sandbox.AssertNoProcessLeftAsync();
    }

    private async Task<IRunningProcess> StartHttpWorkerAsync(int port, params string[] extra)
    {
        IRunningProcess server = _sandbox.Start(Worker.Spec("web", ["--http", port.ToString(CultureInfo.InvariantCulture), .. extra, "--forever"]));
        bool up = await Eventually.TrueAsync(
            async () => (await _probe.CheckAsync(Tcp($"127.0.0.1:{port}"), CancellationToken.None)).Healthy,
            Timeout);
        Assert.True(up, "the worker's HTTP server never came up");
        if (extra.Contains("--http-fail-after"))
        {
            // The TCP probe does not count as a request; make one real request so the count is known.
            _ = await _probe.CheckAsync(Http($"http://127.0.0.1:{port}/"), CancellationToken.None);
        }

        return server;
    }

    private async Task StopAsync(IRunningProcess server)
    {
        server.Kill();
        await server.Exited.WaitAsync(Timeout);
        await _sandbox.AssertNoProcessLeftAsync();
    }

    private static HealthCheckSpec Http(string url, TimeSpan? timeout = null) =>
        new(HealthCheckKind.Http, url, [], TimeSpan.FromSeconds(10), timeout ?? TimeSpan.FromSeconds(2), 3, TimeSpan.Zero);

    private static HealthCheckSpec Tcp(string target) =>
        new(HealthCheckKind.Tcp, target, [], TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2), 3, TimeSpan.Zero);

    private static HealthCheckSpec Command(TimeSpan timeout, params string[] workerArgs) =>
        new(HealthCheckKind.Command, "", [Worker.DotnetHost, Worker.AssemblyPath, .. workerArgs], TimeSpan.FromSeconds(10), timeout, 3, TimeSpan.Zero);

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>The sandbox's real launcher, tracking what the probe starts so the test can assert it is gone.</summary>
    private sealed class TrackingLauncher(ProcessSandbox sandbox) : IProcessLauncher
    {
        public IRunningProcess Start(LaunchSpec spec) => sandbox.Start(spec);
    }
}
