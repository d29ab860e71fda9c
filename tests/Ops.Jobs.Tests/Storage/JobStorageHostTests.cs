using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Ops.Jobs.Specs;
using Ops.Jobs.Storage;

namespace Ops.Jobs.Tests.Storage;

public sealed class JobStorageHostTests
{
    [Fact]
    public void InMemory_IsAvailableAtOnce()
    {
        using var host = new JobStorageHost(StorageSpec.Default, NullLogger<JobStorageHost>.Instance, TimeProvider.System);

        Assert.True(host.IsUp);
        Assert.NotNull(host.Require());
        Assert.True(host.WhenAvailable.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task PostgreSql_NothingListens_UnavailableWithAClearErrorNamingHostAndPortButNotThePassword()
    {
        var port = FreePort();
        var logger = new CapturingLogger();
        var spec = StorageSpec.Default with { Provider = StorageProvider.PostgreSql, ConnectionString = $"Host=127.0.0.1;Port={port};Username=ops;Password=topsecret;Database=ops" };
        using var host = new JobStorageHost(spec, logger, TimeProvider.System);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => host.ConnectAsync(cts.Token));

        Assert.False(host.IsUp);
        var refused = Assert.Throws<StorageUnavailableException>(() => host.Require());
        Assert.Contains($"127.0.0.1:{port}", refused.Message, StringComparison.Ordinal);
        var down = Assert.Single(logger.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains($"127.0.0.1:{port}", down.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(logger.Entries, e => e.Message.Contains("topsecret", StringComparison.Ordinal));
        Assert.False(host.WhenAvailable.IsCompleted);
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class CapturingLogger : ILogger<JobStorageHost>
    {
        public List<(LogLevel Level, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Entries)
            {
                Entries.Add((logLevel, formatter(state, exception)));
            }
        }
    }
}
