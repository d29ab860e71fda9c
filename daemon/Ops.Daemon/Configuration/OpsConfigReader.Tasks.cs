using System.Text.RegularExpressions;
using Cronos;
using Npgsql;
using Ops.Jobs.Specs;
using Ops.Supervision.Specs;

namespace Ops.Daemon.Configuration;

public static partial class OpsConfigReader
{
    private const int MaxWorkers = 256;
    private const int MaxCapacity = 10_000_000;

    // \z, not $: $ also matches before a final newline.
    [GeneratedRegex(@"^[a-z0-9_-]+\z")]
    private static partial Regex QueueNamePattern();

    [GeneratedRegex(@"^[a-z_][a-z0-9_]*\z")]
    private static partial Regex SchemaPattern();

    private static OpsSettings ReadJobs(SectionReader ops, OpsSettings settings, string baseDirectory)
    {
        var storage = ReadStorage(ops.Child("Storage"));
        var declared = ReadQueues(ops);
        var queues = declared.Select(q => q.Name).Append(QueueSpec.DefaultName).ToHashSet(StringComparer.Ordinal);
        return settings with { Storage = storage, Queues = declared, Tasks = ReadTasks(ops, queues, baseDirectory) };
    }

    private static StorageSpec ReadStorage(SectionReader? r)
    {
        var defaults = StorageSpec.Default;
        if (r is null)
        {
            return defaults;
        }

        var provider = r.Enum("Provider", StorageProvider.InMemory);
        var connectionString = r.String("ConnectionString");
        if (provider == StorageProvider.PostgreSql)
        {
            if (connectionString is null)
            {
                r.Error("ConnectionString", "is required with Provider PostgreSql, e.g. \"Host=db1;Port=5432;Database=ops;Username=ops;Password=...\"");
            }
            else
            {
                CheckConnectionString(r, connectionString);
            }
        }
        else if (connectionString is not null)
        {
            r.Error("ConnectionString", "is set but Provider is InMemory; set Provider to PostgreSql or remove the connection string");
        }

        var schema = r.String("Schema") ?? defaults.Schema;
        if (!SchemaPattern().IsMatch(schema))
        {
            r.Error("Schema", $"'{schema}' is not a plain lowercase schema name like \"ops\"");
        }

        var spec = new StorageSpec(
            provider,
            connectionString,
            schema,
            r.Duration("InvisibilityTimeout", defaults.InvisibilityTimeout, allowZero: false, DurationLimits.Timer),
            r.Duration("PollInterval", defaults.PollInterval, allowZero: false, DurationLimits.Poll))
        {
            HostTimeout = r.Duration("HostTimeout", defaults.HostTimeout, allowZero: false, DurationLimits.Timer),
        };
        r.Finish();
        return spec;
    }

    /// <summary>Checks the connection string's form; messages never repeat it (it holds a password).</summary>
    private static void CheckConnectionString(SectionReader r, string connectionString)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            if (string.IsNullOrWhiteSpace(builder.Host))
            {
                r.Error("ConnectionString", "has no Host; write Host=NAME;Port=5432;Database=...;Username=...;Password=...");
            }
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            r.Error("ConnectionString", $"is not a valid PostgreSQL connection string ({ex.GetType().Name}: {Redact(ex.Message, connectionString)}); write Host=NAME;Port=5432;Database=...;Username=...;Password=...");
        }
    }

    private static string Redact(string message, string connectionString) =>
        message.Contains(connectionString, StringComparison.Ordinal) ? "the value is malformed" : message;

    private static List<QueueSpec> ReadQueues(SectionReader ops)
    {
        var queues = new List<QueueSpec>();
        foreach (var child in ops.Entries("Queues", "\"cpu\": { \"Workers\": 2, \"Capacity\": 1000 }"))
        {
            if (!QueueNamePattern().IsMatch(child.Key))
            {
                ops.Error(child, $"queue names must match [a-z0-9_-]+ (Hangfire's rule); rename '{child.Key}'");
                continue;
            }

            if (!ops.IsObjectEntry(child, "{ \"Workers\": 2, \"Capacity\": 1000 }"))
            {
                continue;
            }

            var r = ops.For(child);
            var workers = r.Int("Workers", QueueSpec.DefaultWorkers, 1, MaxWorkers);
            queues.Add(new QueueSpec(
                child.Key,
                workers,
                r.Int("Capacity", QueueSpec.DefaultCapacity, 1, MaxCapacity),
                r.Int("Prefetch", workers, 0, MaxWorkers)));
            r.Finish();
        }

        return queues;
    }

    private static List<TaskSpec> ReadTasks(SectionReader ops, HashSet<string> queues, string baseDirectory)
    {
        var tasks = new List<TaskSpec>();
        foreach (var child in ops.Entries("Tasks", "\"backup\": { \"Command\": \"/usr/local/bin/backup\" }"))
        {
            if (!NamePattern().IsMatch(child.Key))
            {
                ops.Error(child, $"task names must match [a-z0-9][a-z0-9_-]* (lowercase letters, digits, '-', '_'); rename '{child.Key}'");
                continue;
            }

            if (!ops.IsObjectEntry(child, "{ \"Command\": \"/usr/local/bin/backup\" }"))
            {
                continue;
            }

            tasks.Add(ReadTask(ops.For(child), child.Key, queues, baseDirectory));
        }

        return tasks;
    }

    private static TaskSpec ReadTask(SectionReader r, string name, HashSet<string> queues, string baseDirectory)
    {
        var command = r.RequiredString("Command", "set the executable path or a name on PATH, e.g. \"/usr/local/bin/backup\"");
        var (workingDirectory, resolvedCommand) = ResolveLaunchPaths(r.String("WorkingDirectory"), command ?? string.Empty, baseDirectory);
        var defaults = new TaskSpec { Name = name, Command = resolvedCommand };
        var queue = r.String("Queue") ?? defaults.Queue;
        if (!queues.Contains(queue))
        {
            r.Error("Queue", $"'{queue}' is not a declared queue; declare it under Ops:Queues:{queue} or use one of: {string.Join(", ", queues.Order(StringComparer.Ordinal))}");
        }

        var spec = defaults with
        {
            Args = r.StringList("Args"),
            WorkingDirectory = workingDirectory,
            Environment = ReadEnvironment(r),
            Queue = queue,
            Timeout = r.Duration("Timeout", defaults.Timeout, allowZero: false, DurationLimits.Long),
            Retries = r.Int("Retries", defaults.Retries, 0, 100),
            RetryDelays = r.Exists("RetryDelays") ? ReadDelays(r) : defaults.RetryDelays,
            Cron = ReadCron(r),
            TimeZone = ReadTimeZone(r),
            AllowArgs = r.Bool("AllowArgs", defaults.AllowArgs),
            Concurrency = r.Exists("Concurrency") ? r.Int("Concurrency", 1, 1, 10_000) : null,
            StopSignal = r.Enum("StopSignal", StopSignal.SIGTERM),
            StopTimeout = r.Duration("StopTimeout", defaults.StopTimeout, allowZero: false, DurationLimits.StopTimeout),
        };
        r.Finish();
        return spec;
    }

    private static List<TimeSpan> ReadDelays(SectionReader r)
    {
        var delays = new List<TimeSpan>();
        var index = 0;
        foreach (var text in r.StringList("RetryDelays"))
        {
            var at = r.Section("RetryDelays").GetSection((index++).ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (!Duration.TryParse(text, out var delay))
            {
                r.Error("RetryDelays", $"'{text}' is not a duration; write e.g. [\"10s\", \"1m\", \"00:05:00\"]");
            }
            else if (r.CheckDuration(at, text, delay, allowZero: true, DurationLimits.Long))
            {
                delays.Add(delay);
            }
        }

        return delays;
    }

    private static string? ReadCron(SectionReader r)
    {
        var cron = r.String("Cron");
        if (cron is null)
        {
            return null;
        }

        var fields = cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        try
        {
            CronExpression.Parse(cron, fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
            return cron;
        }
        catch (Exception ex) when (ex is CronFormatException or MissingSeedException)
        {
            r.Error("Cron", $"'{cron}' is not a cron expression ({ex.Message}); write 5 fields (minute hour day month weekday), e.g. \"0 3 * * *\"");
            return null;
        }
    }

    private static string? ReadTimeZone(SectionReader r)
    {
        var zone = r.String("TimeZone");
        if (zone is null)
        {
            return null;
        }

        try
        {
            TimeZoneInfo.FindSystemTimeZoneById(zone);
            return zone;
        }
        // A name that is a folder of the zone database ("Europe") or not a path at all fails with an I/O error.
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException or IOException or UnauthorizedAccessException or ArgumentException or System.Security.SecurityException)
        {
            r.Error("TimeZone", $"'{zone}' is not a known time zone; use an IANA name such as \"Europe/Berlin\" or \"UTC\"");
            return null;
        }
    }
}
