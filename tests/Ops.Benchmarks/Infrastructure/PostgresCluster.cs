using System.Diagnostics;
using Npgsql;

namespace Ops.Benchmarks.Infrastructure;

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
            cluster.RunTool("pg_ctl", ["-D", cluster._data, "-o", options, "-l", Path.Combine(root, "server.log"), "-w", "-t", "30", "start"]);
            using var connection = new NpgsqlConnection(cluster.AdminConnectionString);
            connection.Open();
            cluster.Version = $"PostgreSQL {connection.ServerVersion}";
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

    /// <summary>A fresh, empty database; returns its (pooled) connection string.</summary>
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
