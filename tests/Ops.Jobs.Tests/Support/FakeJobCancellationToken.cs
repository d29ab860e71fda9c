using Hangfire;

namespace Ops.Jobs.Tests.Support;

/// <summary>The token a Hangfire worker hands a job: canceled when the test "stops the server".</summary>
internal sealed class FakeJobCancellationToken : IJobCancellationToken, IDisposable
{
    private readonly CancellationTokenSource _shutdown = new();

    public CancellationToken ShutdownToken => _shutdown.Token;

    public void Shutdown() => _shutdown.Cancel();

    public void ThrowIfCancellationRequested() => _shutdown.Token.ThrowIfCancellationRequested();

    public void Dispose() => _shutdown.Dispose();
}
