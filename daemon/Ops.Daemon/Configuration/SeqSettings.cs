namespace Ops.Daemon.Configuration;

/// <summary>
/// Shipping to Seq (Ops:Logging:Seq). A class rather than a record so that the generated ToString can never print
/// the API key: <see cref="ToString"/> masks it.
/// </summary>
public sealed class SeqSettings
{
    /// <summary>Default cap on the durable buffer (Ops:Logging:Seq:BufferSizeLimitMB).</summary>
    public const long DefaultBufferSizeLimitMB = 1024;

    /// <summary>Default time between two shipping rounds of the buffer (Ops:Logging:Seq:Period).</summary>
    public static readonly TimeSpan DefaultPeriod = TimeSpan.FromSeconds(2);

    /// <summary>The base URL of the Seq server, e.g. http://seq.example:5341.</summary>
    public required string ServerUrl { get; init; }

    /// <summary>The Seq API key sent as X-Seq-ApiKey; null to send none. Never logged.</summary>
    public string? ApiKey { get; init; }

    /// <summary>
    /// The most the durable buffer in the state directory may hold while Seq cannot be reached; past it the oldest
    /// buffer files are deleted (the sink always keeps its two newest files, up to 100 MB each).
    /// </summary>
    public long BufferSizeLimitBytes { get; init; } = DefaultBufferSizeLimitMB * 1024 * 1024;

    /// <summary>How often the buffer is shipped; failures back off from here up to 10 minutes.</summary>
    public TimeSpan Period { get; init; } = DefaultPeriod;

    /// <inheritdoc/>
    public override string ToString() =>
        $"Seq {SecretScanner.WithoutUserInfo(ServerUrl)} (API key {(ApiKey is null ? "none" : "***")}, buffer limit {BufferSizeLimitBytes / (1024 * 1024)} MB, period {Duration.Format(Period)})";
}
