using System.Diagnostics;
using Npgsql;

namespace Ops.Benchmarks.Infrastructure;

/// <summary>Rows one table saw inserted, updated and deleted.</summary>
internal sealed record TableActivity(string Table, long Inserted, long Updated, long Deleted);

/// <summary>What one database has done since it was created: transactions (each autocommit statement is one) and rows per table.</summary>
internal sealed record DatabaseActivity(long Transactions, IReadOnlyList<TableActivity> Tables, IReadOnlyList<StatementCalls> Statements);

/// <summary>How often one statement ran (from pg_stat_statements), its text cut short.</summary>
internal sealed record StatementCalls(string Statement, long Calls);

/// <summary>
/// A throwaway PostgreSQL, as the daemon tests make one: initdb into a temporary directory and pg_ctl start on a free
/// loopback port with its own socket directory, as the postgres user when the harness runs as root. Durability is
/// off (fsync, synchronous_commit, full_page_writes): every contender runs against the same server, and the numbers
/// are about the job engine, not this machine's disk. Dispose stops the server and deletes the directory.
/// </summary>
internal sealed class PostgresCluster : IDisposable
{
    private const string PostgresUser = "postgres";

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    private readonly string _bin;
    private readonly string _root;
    private readonly string _data;
    private readonly bool _asRoot;
    private bool _statements;

    private PostgresCluster(string bin, string root, int port, bool asRoot)
    {
        _bin = bin;
        _root = root;
        _data = Path.Combine(root, "data");
        _asRoot = asRoot;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The server's version line, for the report.</summary>
    public string Version { get; private set; } = "PostgreSQL";

    /// <summary>The directory holding initdb, pg_ctl and postgres (the newest under /usr/lib/postgresql), or null when not installed.</summary>
    public static string? FindBinaries() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")))
                .OrderDescending()
                .FirstOrDefault()
            : null;

    /// <summary>Makes and starts a new cluster; on any failure nothing is left behind.</summary>
    public static PostgresCluster Start(string bin)
    {
        var asRoot = Environment.UserName == "root";
        var root = Directory.CreateTempSubdirectory("ops-bench-pg-").FullName;
        var cluster = new PostgresCluster(bin, root, LoopbackPort.Free(), asRoot);
        try
        {
            var socket = Directory.CreateDirectory(Path.Combine(root, "socket")).FullName;
            if (asRoot)
            {
                // initdb refuses to run as root; the postgres user must own everything it writes.
                Run("chown", ["-R", $"{PostgresUser}:{PostgresUser}", root]);
            }

            cluster.RunTool("initdb", ["-D", cluster._data, "--no-sync", "-A", "trust", "-U", PostgresUser, "-E", "UTF8"]);
            var options = $"-p {cluster.Port} -k {socket} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200";

            // Counting statements per run is the cheapest profile of a job engine on PostgreSQL; it ships with the server.
            cluster._statements = File.Exists(Path.Combine(bin, "..", "lib", "pg_stat_statements.so"));
            if (cluster._statements)
            {
                options += " -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all";
            }

            cluster.RunTool("pg_ctl", ["-D", cluster._data, "-o", options, "-l", Path.Combine(root, "server.log"), "-w", "-t", "30", "start"]);
            using var connection = new NpgsqlConnection(cluster.AdminConnectionString);
            connection.Open();
            cluster.Version = $"PostgreSQL {connection.ServerVersion}";
            if (cluster._statements)
            {
                using var extension = new NpgsqlCommand("create extension if not exists pg_stat_statements", connection);
                extension.ExecuteNonQuery();
            }

            return cluster;
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    /// <summary>The postgres superuser on the maintenance database, without pooling.</summary>
    public string AdminConnectionString => $"Host=127.0.0.1;Port={Port};Username={PostgresUser};Database=postgres;Pooling=false";

    /// <summary>A fresh, empty database named <paramref name="name"/> (a plain lowercase name); returns its (pooled) connection string.</summary>
    public string CreateDatabase(string name)
    {
        using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            connection.Open();
            using var command = new NpgsqlCommand($"create database \"{name}\"", connection);
            command.ExecuteNonQuery();
        }

        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name, Pooling = true }.ConnectionString;
    }

    /// <summary>
    /// The activity of <paramref name="database"/> (tables in <paramref name="schema"/>) once every client has left it
    /// (a backend hands in its counts when it exits); call after the engine using it has stopped.
    /// </summary>
    public async Task<DatabaseActivity> ActivityAsync(string database, string schema, TimeSpan timeout, CancellationToken cancellationToken)
    {
        await using (var admin = new NpgsqlConnection(AdminConnectionString))
        {
            await admin.OpenAsync(cancellationToken);
            var deadline = DateTime.UtcNow + timeout;
            while (true)
            {
                await using var others = new NpgsqlCommand("select count(*) from pg_stat_activity where datname = @db", admin);
                others.Parameters.AddWithValue("db", database);
                if ((long)(await others.ExecuteScalarAsync(cancellationToken) ?? 0L) == 0 || DateTime.UtcNow > deadline)
                {
                    break;
                }

                await Task.Delay(50, cancellationToken);
            }
        }

        var builder = new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = database };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transactions = new NpgsqlCommand("select xact_commit + xact_rollback from pg_stat_database where datname = current_database()", connection);
        var count = (long)(await transactions.ExecuteScalarAsync(cancellationToken) ?? 0L);
        await using var tables = new NpgsqlCommand("select relname, n_tup_ins, n_tup_upd, n_tup_del from pg_stat_user_tables where schemaname = @schema order by relname", connection);
        tables.Parameters.AddWithValue("schema", schema);
        var activity = new List<TableActivity>();
        await using (var reader = await tables.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                activity.Add(new TableActivity(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)));
            }
        }

        return new DatabaseActivity(count, activity, _statements ? await StatementsAsync(database, cancellationToken) : []);
    }

    /// <summary>The 12 statements <paramref name="database"/> ran most often, the text cut to 60 characters.</summary>
    private async Task<List<StatementCalls>> StatementsAsync(string database, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            """
            select left(regexp_replace(query, '\s+', ' ', 'g'), 60), sum(calls)::bigint
            from pg_stat_statements s join pg_database d on d.oid = s.dbid
            where d.datname = @db
            group by 1 order by 2 desc limit 12
            """,
            connection);
        command.Parameters.AddWithValue("db", database);
        var statements = new List<StatementCalls>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            statements.Add(new StatementCalls(reader.GetString(0), reader.GetInt64(1)));
        }

        return statements;
    }

    /// <summary>
    /// For a failure message: the Hangfire queue rows of <paramref name="database"/> (fetched or not, since when) and
    /// the distributed locks held, the first few of each.
    /// </summary>
    public async Task<string> QueueSnapshotAsync(string database, string schema, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = database };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        var text = new System.Text.StringBuilder("in the database now:");
        foreach (var (what, sql) in new[]
        {
            ("queue rows", $"select 'job ' || jobid || coalesce(' fetched at ' || fetchedat::text, ' not fetched') from \"{schema}\".jobqueue order by id limit 5"),
            ("locks", $"select resource || ' since ' || acquired::text from \"{schema}\".lock order by acquired limit 5"),
            ("unfinished jobs", $"select 'job ' || id || ' ' || coalesce(statename, '?') from \"{schema}\".job where statename is distinct from 'Succeeded' order by id limit 5"),
            ("now", "select now()::text"),
        })
        {
            await using var command = new NpgsqlCommand(sql, connection);
            var rows = new List<string>();
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    rows.Add(reader.GetString(0));
                }
            }

            text.Append($" {what}: {(rows.Count == 0 ? "none" : string.Join(", ", rows))};");
        }

        return text.ToString().TrimEnd(';');
    }

    /// <summary>The pid of the postmaster, whose own and reaped children's CPU time covers every backend, or null when it is not running.</summary>
    public int? PostmasterPid()
    {
        var file = Path.Combine(_data, "postmaster.pid");
        return File.Exists(file) && int.TryParse(File.ReadLines(file).FirstOrDefault(), out var pid) ? pid : null;
    }

    /// <summary>Stops the server (fast shutdown, immediate when that fails) and deletes its directory.</summary>
    public void Dispose()
    {
        try
        {
            if (File.Exists(Path.Combine(_data, "postmaster.pid")))
            {
                try
                {
                    RunTool("pg_ctl", ["-D", _data, "-m", "fast", "-w", "-t", "20", "stop"]);
                }
                catch (InvalidOperationException)
                {
                    RunTool("pg_ctl", ["-D", _data, "-m", "immediate", "-w", "-t", "10", "stop"]);
                }
            }
        }
        finally
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private void RunTool(string tool, IReadOnlyList<string> args)
    {
        var file = Path.Combine(_bin, tool);
        if (_asRoot)
        {
            Run("runuser", ["-u", PostgresUser, "--", file, .. args]);
        }
        else
        {
            Run(file, args);
        }
    }

    /// <summary>Runs a command to its end within <see cref="CommandTimeout"/>; throws with its output when it fails.</summary>
    private static void Run(string file, IReadOnlyList<string> args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{file} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(CommandTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} did not finish within {CommandTimeout.TotalSeconds:0} s");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed with exit code {process.ExitCode}: {output.Result}{error.Result}".TrimEnd());
        }
    }
}
