using System.Globalization;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Ops.Supervision;
using Ops.Supervision.Os;
using Ops.Supervision.Specs;

namespace Ops.Processes.Health;

/// <summary>
/// Runs health checks: HTTP GET (healthy on 2xx), TCP connect, or a command (healthy on exit 0), each within the
/// check's Timeout. Never throws: every failure, timeout or cancellation is an unhealthy result with a Detail an
/// operator can act on.
/// </summary>
public sealed partial class HealthProbe : IHealthProbe, IDisposable
{
    /// <summary>The program name health commands run under (in errors and the detached output they keep).</summary>
    public const string CommandProgramName = "health-check";

    private readonly IProcessLauncher _launcher;
    private readonly HttpClient _http;
    private readonly ILogger _logger;

    /// <summary>Creates the probe; command checks run through <paramref name="launcher"/> (unsupervised: no files, no records).</summary>
    public HealthProbe(IProcessLauncher launcher, ILogger<HealthProbe>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(launcher);
        _launcher = launcher;
        _logger = logger ?? NullLogger<HealthProbe>.Instance;

        // One client for every check, so connections are pooled. Health checks target local instances: no proxy
        // from the environment, no redirects (a 3xx is not a 2xx), and each request carries its own timeout.
        _http = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <inheritdoc/>
    public async Task<HealthResult> CheckAsync(HealthCheckSpec check, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(check);
        try
        {
            return check.Kind switch
            {
                HealthCheckKind.Http => await CheckHttpAsync(check, cancellationToken).ConfigureAwait(false),
                HealthCheckKind.Tcp => await CheckTcpAsync(check, cancellationToken).ConfigureAwait(false),
                HealthCheckKind.Command => await CheckCommandAsync(check, cancellationToken).ConfigureAwait(false),
                _ => new HealthResult(false, $"unknown health check kind {check.Kind}"),
            };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new HealthResult(false, "cancelled");
        }
#pragma warning disable CA1031 // the contract: a probe never throws, a failure is a result
        catch (Exception ex)
#pragma warning restore CA1031
        {
            LogProbeFailed(_logger, ex, check.Kind.ToString(), check.Target);
            return new HealthResult(false, ex.Message);
        }
    }

    /// <summary>Releases the shared HTTP client.</summary>
    public void Dispose() => _http.Dispose();

    private async Task<HealthResult> CheckHttpAsync(HealthCheckSpec check, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(check.Target, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return new HealthResult(false, $"invalid URL '{check.Target}'");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(check.Timeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            using HttpResponseMessage response = await _http
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token)
                .ConfigureAwait(false);
            int status = (int)response.StatusCode;
            return new HealthResult(status is >= 200 and < 300, string.Create(CultureInfo.InvariantCulture, $"HTTP {status}"));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return TimedOut(check.Timeout);
        }
        catch (HttpRequestException ex)
        {
            return new HealthResult(false, ex.InnerException is SocketException socket ? Describe(socket) : ex.Message);
        }
    }

    private static async Task<HealthResult> CheckTcpAsync(HealthCheckSpec check, CancellationToken cancellationToken)
    {
        if (!TryParseHostPort(check.Target, out string host, out int port))
        {
            return new HealthResult(false, $"invalid target '{check.Target}' (expected host:port)");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(check.Timeout);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(host, port, timeout.Token).ConfigureAwait(false);
            return new HealthResult(true, "connected");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return TimedOut(check.Timeout);
        }
        catch (SocketException ex)
        {
            return new HealthResult(false, Describe(ex));
        }
    }

    private async Task<HealthResult> CheckCommandAsync(HealthCheckSpec check, CancellationToken cancellationToken)
    {
        if (check.Command.Count == 0)
        {
            return new HealthResult(false, "the health command is empty");
        }

        var spec = new LaunchSpec(
            new InstanceId(CommandProgramName, 0),
            check.Command[0],
            [.. check.Command.Skip(1)],
            WorkingDirectory: null,
            new Dictionary<string, string>(),
            User: null,
            LogSpec.Default)
        {
            Supervised = false,
        };

        IRunningProcess process;
        try
        {
            process = _launcher.Start(spec);
        }
        catch (LaunchException ex)
        {
            return new HealthResult(false, ex.Message);
        }

        using (process)
        {
            try
            {
                ProcessExit exit = await process.Exited.WaitAsync(check.Timeout, cancellationToken).ConfigureAwait(false);

                // A well-behaved check leaves nothing behind; one that does must not pile up a process per probe. The
                // edge's stop with no grace kills what is left (nothing when nothing is) and confirms it gone.
                _ = await process.StopAsync(Native.LinuxConstants.SIGKILL, TimeSpan.Zero, CancellationToken.None).ConfigureAwait(false);

                return exit.ExitCode == 0
                    ? new HealthResult(true, "exit 0")
                    : new HealthResult(false, WithLastLine(exit.Describe(), process));
            }
            catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
            {
                // A hung check must not live on: the edge's stop with no grace kills its whole group and waits (bounded)
                // until it is confirmed gone.
                _ = await process.StopAsync(Native.LinuxConstants.SIGKILL, TimeSpan.Zero, CancellationToken.None).ConfigureAwait(false);
                if (ex is OperationCanceledException)
                {
                    throw;
                }

                return TimedOut(check.Timeout);
            }
        }
    }

    private static string WithLastLine(string outcome, IRunningProcess process)
    {
        string? last = process.Tail(OutputStream.Stderr, 1).LastOrDefault() ?? process.Tail(OutputStream.Stdout, 1).LastOrDefault();
        if (string.IsNullOrWhiteSpace(last))
        {
            return outcome;
        }

        const int MaxDetail = 200;
        last = last.Trim();
        return outcome + ": " + (last.Length > MaxDetail ? last[..MaxDetail] + "…" : last);
    }

    private static HealthResult TimedOut(TimeSpan timeout) =>
        new(false, "timeout after " + timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s");

    private static string Describe(SocketException ex) => ex.SocketErrorCode switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.HostNotFound or SocketError.NoData => "host not found",
        SocketError.HostUnreachable or SocketError.NetworkUnreachable => "unreachable",
        SocketError.TimedOut => "timeout",
        SocketError.ConnectionReset => "connection reset",
        _ => ex.Message,
    };

    private static bool TryParseHostPort(string target, out string host, out int port)
    {
        host = string.Empty;
        port = 0;
        int colon = target.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(target.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
        {
            return false;
        }

        host = target[..colon].Trim('[', ']');
        return host.Length > 0;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A {Kind} health probe of {Target} failed unexpectedly")]
    private static partial void LogProbeFailed(ILogger logger, Exception exception, string kind, string target);
}
