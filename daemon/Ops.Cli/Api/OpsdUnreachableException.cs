namespace Ops.Cli.Api;

/// <summary>opsd did not answer: connection refused, DNS, timeout, or the connection was lost (exit 3).</summary>
public sealed class OpsdUnreachableException(Uri url, string why)
    : Exception($"cannot reach opsd at {url}: {why}. Is opsd running? Set --url or OPS_URL.")
{
    /// <summary>The base URL that was tried.</summary>
    public Uri Url { get; } = url;
}
