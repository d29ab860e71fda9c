using Serilog.Core;
using Serilog.Events;

namespace Ops.Daemon.Logging;

/// <summary>Wraps every sink of opsd (console, file, Seq) so that no secret reaches any of them.</summary>
internal sealed class SecretMaskingSink(ILogEventSink inner, SecretMasker masker) : ILogEventSink, IDisposable, IAsyncDisposable
{
    public void Emit(LogEvent logEvent) => inner.Emit(masker.MaskEvent(logEvent));

    public void Dispose() => (inner as IDisposable)?.Dispose();

    public ValueTask DisposeAsync()
    {
        if (inner is IAsyncDisposable asyncDisposable)
        {
            return asyncDisposable.DisposeAsync();
        }

        Dispose();
        return ValueTask.CompletedTask;
    }
}
