namespace Ops.Jobs.Specs;

/// <summary>Where Hangfire keeps jobs.</summary>
public enum StorageProvider
{
    /// <summary>Embedded, one host, nothing survives a restart.</summary>
    InMemory,

    /// <summary>Durable, shared by many hosts.</summary>
    PostgreSql,
}

/// <summary>Ops:Storage.</summary>
/// <param name="Provider">InMemory or PostgreSql.</param>
/// <param name="ConnectionString">PostgreSql only; holds a password: never log it, use <see cref="Describe"/>.</param>
/// <param name="Schema">PostgreSql schema, default "ops".</param>
/// <param name="InvisibilityTimeout">A fetched job whose server stopped heart-beating is handed out again after this long.</param>
/// <param name="PollInterval">How often idle workers look for new jobs (PostgreSql).</param>
public sealed record StorageSpec(StorageProvider Provider, string? ConnectionString, string Schema, TimeSpan InvisibilityTimeout, TimeSpan PollInterval)
{
    /// <summary>InMemory with defaults.</summary>
    public static StorageSpec Default { get; } = new(StorageProvider.InMemory, null, "ops", TimeSpan.FromMinutes(5), TimeSpan.FromMilliseconds(200));

    /// <summary>A host that has not published its programs for this long shows them as Unknown.</summary>
    public TimeSpan HostTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>"PostgreSql at host:port/database" or "InMemory": safe to log, never the password.</summary>
    public string Describe()
    {
        if (Provider == StorageProvider.InMemory || ConnectionString is null)
        {
            return "InMemory";
        }

        var builder = new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString);
        return $"PostgreSql at {builder.Host}:{builder.Port}/{builder.Database} (schema {Schema})";
    }
}
