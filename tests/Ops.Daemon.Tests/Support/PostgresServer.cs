using System.Diagnostics;
using Npgsql;

namespace Ops.Daemon.Tests.Support;

/// <summary>
/// A real PostgreSQL for the tests. With OPS_TEST_POSTGRES set (a connection string) that server is used;
/// otherwise a throwaway cluster is made with initdb and started with pg_ctl on a free port, its own socket
/// directory and fsync off (about half a second), and stopped when the test run ends. Each test gets its own
/// database, so schemas never leak between tests.
/// </summary>
internal sealed class PostgresServer
{
    public const string ConnectionVariable = "OPS_TEST_POSTGRES";

    private static readonly Lazy<PostgresServer> Shared = new(() =>
        Environment.GetEnvironmentVariable(ConnectionVariable) is { Length: > 0 } given ? new PostgresServer(given, null) : Start(Tools.FreePort()));
    private readonly string? _dataDirectory;

    private PostgresServer(string adminConnectionString, string? dataDirectory)
    {
        AdminConnectionString = adminConnectionString;
        _dataDirectory = dataDirectory;
    }

    /// <summary>The server shared by every test in this run.</summary>
    public static PostgresServer Instance => Shared.Value;

    public string AdminConnectionString { get; }

    public int Port => new NpgsqlConnectionStringBuilder(AdminConnectionString).Port;

    /// <summary>Starts a new throwaway cluster on <paramref name="port"/> (the shared one, or a second one a test controls).</summary>
    public static PostgresServer Start(int port)
    {
        var bin = FindBinaries();
        var root = Directory.CreateTempSubdirectory("ops-pg-").FullName;
        var data = Path.Combine(root, "data");
        var socket = Path.Combine(root, "socket");
        Directory.CreateDirectory(socket);
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            Run("chown", "-R", "postgres:postgres", root);
        }

        RunAs(asRoot, Path.Combine(bin, "initdb"), "-D", data, "--no-sync", "-A", "trust", "-U", "postgres", "-E", "UTF8");
        var options = $"-p {port} -k {socket} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300";
        RunAs(asRoot, Path.Combine(bin, "pg_ctl"), "-D", data, "-o", options, "-l", Path.Combine(root, "server.log"), "-w", "-t", "30", "start");
        var server = new PostgresServer($"Host=127.0.0.1;Port={port};Username=postgres;Password=unused;Database=postgres;Pooling=false", data);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop();

        return server;
    }

    /// <summary>A fresh, empty database; returns its connection string (with a password, to prove it is never shown).</summary>
    public string CreateDatabase()
    {
        var name = "ops_" + Guid.NewGuid().ToString("N")[..12];
        using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            connection.Open();
            using var command = new NpgsqlCommand($"create database {name}", connection);
            command.ExecuteNonQuery();
        }

        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name, Password = "s3cret-pg-password", Pooling = true }.ConnectionString;
    }

    /// <summary>Stops the server at once (like a crash); no-op for a server given from outside.</summary>
    public void Stop()
    {
        if (_dataDirectory is null || !File.Exists(Path.Combine(_dataDirectory, "postmaster.pid")))
        {
            return;
        }

        try
        {
            RunAs(Environment.UserName == "root", Path.Combine(FindBinaries(), "pg_ctl"), "-D", _dataDirectory, "-m", "immediate", "-w", "stop");
        }
        catch (InvalidOperationException)
        {
        }
    }

    private static string FindBinaries()
    {
        var candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderDescending().ToList()
            : [];
        return candidates.FirstOrDefault()
            ?? throw new InvalidOperationException($"PostgreSQL server binaries not found under /usr/lib/postgresql: install postgresql (apt-get install postgresql) or set {ConnectionVariable}");
    }

    private static void RunAs(bool asRoot, string file, params string[] args)
    {
        if (asRoot)
        {
            Run("runuser", ["-u", "postgres", "--", file, .. args]);
        }
        else
        {
            Run(file, args);
        }
    }

    private static void Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };

        // The shared server outlives the test that happened to start it: it is no leak of that test.
        info.Environment.Remove(ProcessLeakScope.Variable);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(true);
            throw new InvalidOperationException($"{file} did not finish within 60 s");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed with {process.ExitCode}: {output.Result}{error.Result}");
        }
    }
}
