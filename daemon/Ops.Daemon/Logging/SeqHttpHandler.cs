namespace Ops.Daemon.Logging;

/// <summary>
/// The HTTP handler of the Seq sink: a short connect timeout and a bound on each request, so that a Seq that
/// hangs (rather than refusing) holds the shipper, and opsd's final flush at shutdown, for seconds, not the
/// HttpClient default of 100 s.
/// </summary>
internal sealed class SeqHttpHandler : DelegatingHandler
{
    /// <summary>The longest one POST of a batch may take.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Creates the handler chain; the sink's HttpClient owns and disposes it.</summary>
    public SeqHttpHandler()
        : base(new SocketsHttpHandler
        {
            ConnectTimeout = ConnectTimeout,

            // Seq behind a load balancer may move: do not keep one connection forever.
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        })
    {
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        return await base.SendAsync(request, timeout.Token).ConfigureAwait(false);
    }
}
