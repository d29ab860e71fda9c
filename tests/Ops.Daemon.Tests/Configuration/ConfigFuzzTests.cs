using System.Globalization;
using System.Text.Json.Nodes;
using Ops.Daemon.Configuration;
using Ops.Daemon.Tests.Support;
using Xunit.Abstractions;

namespace Ops.Daemon.Tests.Configuration;

/// <summary>
/// Mutates a rich valid config (every section of the README's examples) at random, seeded and bounded: whatever
/// the file says, reading it never throws, every error names its key path on one line, `opsd validate` exits 0 or
/// 1 without a stack trace, and a config that validates is one opsd starts and stops cleanly on.
/// OPS_FUZZ_SEED replays a run; OPS_FUZZ_CASES sets the number of in-process cases (default 300).
/// </summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
public sealed class ConfigFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int ProcessCases = 6;
    private const int StartCases = 2;
    private static readonly TimeSpan TimerMaximum = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private readonly string _directory = Directory.CreateTempSubdirectory("opsd-fuzz-").FullName;

    private static readonly string[] Durations =
    [
        "1d", "24:00:00", "1.00:00:00", "1d1ms", "7d", "8d", "49d", "50d", "60d", "10675199d", "10675200d", "99999999999d",
        "1e300s", "-1e300s", "-1s", "0s", "0", "0.5", "1e-9ms", "NaNs", "Infinitys", "1h", "2h", "1:2:3:4:5", "00:00:00.001",
    ];

    private static readonly JsonNode?[] Scalars =
    [
        null, true, false, 0, -1, 1, 255, 256, int.MaxValue, (long)int.MaxValue + 1, long.MinValue, 1e20, 1e300, -1e300, 0.5,
        "", " ", "NaN", "Infinity", "-Infinity", "x", "a\0b", "line\nbreak", "tab\there", "\u001b[31mred", "\u2028", "Ünïcödé ✓ 日本",
        "web", "WEB", "Web\n", "ops_0123", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
        "../../etc/passwd", "/", "/nonexistent/binary", "sh", "*", "H * * * *", "* * * * * * *", "60 * * * *", "@daily", "0 3 * * *",
        "Europe", "Europe/Berlin", "Mars/Olympus", "UTC", "Etc/../../../etc/passwd", "SIGKILL", "sigterm", "Always", "Never", "PostgreSql",
        "Host=db;Password=x", "http://0.0.0.0:1", "http://127.0.0.1:0", "127.0.0.1:99999",
    ];

    [Fact]
    public async Task Read_MutatedConfigs_NeverThrowAndErrorsNameTheirKeyPath()
    {
        var seed = EnvironmentInt("OPS_FUZZ_SEED") ?? Random.Shared.Next();
        var cases = EnvironmentInt("OPS_FUZZ_CASES") ?? 300;
        output.WriteLine($"config fuzzer: seed {seed} (OPS_FUZZ_SEED={seed} replays it), {cases} case(s)");
        var random = new Random(seed);
        var valid = new List<JsonObject>();
        var samples = new List<(string Path, HashSet<string> Roots)>();

        for (var n = 0; n < cases; n++)
        {
            var config = Mutated(random, out var mutations);
            var path = Path.Combine(_directory, $"case-{n}.json");
            File.WriteAllText(path, config.ToJsonString());
            var what = $"seed {seed}, case {n}: {string.Join("; ", mutations)}";
            OpsSettings settings;
            try
            {
                var configuration = ConfigSources.Load(path, out var loadError);
                if (configuration is null)
                {
                    Assert.StartsWith(path, loadError!.ToString(), StringComparison.Ordinal);
                    continue;
                }

                settings = OpsConfigReader.Read(configuration, path);
            }
            catch (Exception ex)
            {
                Assert.Fail($"{what}: {ex}");
                throw;
            }

            var roots = config.Select(p => p.Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
            foreach (var error in settings.Errors)
            {
                var line = error.ToString();
                Assert.True(error.Path == "Ops" || error.Path.StartsWith("Ops:", StringComparison.OrdinalIgnoreCase) || roots.Contains(error.Path), $"{what}: no key path in '{line}'");
                Assert.False(line.Any(char.IsControl), $"{what}: control character in '{line}'");
            }

            if (settings.Errors.Count == 0)
            {
                AssertRunnable(settings, what);
                valid.Add(config);
            }

            if (samples.Count < ProcessCases && (n % Math.Max(1, cases / ProcessCases)) == 0)
            {
                samples.Add((path, roots));
            }
        }

        foreach (var (path, roots) in samples)
        {
            var (code, text) = await OpsdCommand.RunAsync("validate", "--config", path);
            var what = $"seed {seed}, opsd validate --config {path}";
            Assert.True(code is 0 or 1, $"{what}: exit {code}\n{text}");
            Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
            foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var key = line.Split(':')[0];
                Assert.True(key == "Ops" || line.StartsWith(path, StringComparison.Ordinal) || roots.Contains(key), $"{what}: '{line}'\n{text}");
            }
        }

        output.WriteLine($"{valid.Count} of {cases} mutated configs were valid");
        foreach (var config in valid.Take(StartCases).Prepend(Base()))
        {
            await StartAndStopAsync(config, seed);
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>What a valid config promises the daemon: timers it can arm, a shutdown budget HostOptions takes.</summary>
    private static void AssertRunnable(OpsSettings settings, string what)
    {
        var durations = settings.Programs.SelectMany(p => new[]
        {
            p.StartSeconds, p.StopTimeout, p.RestartWindow, p.Backoff.Initial, p.Backoff.Max, p.FatalRetryAfter ?? TimeSpan.Zero,
            p.Health?.Interval ?? TimeSpan.Zero, p.Health?.Timeout ?? TimeSpan.Zero, p.Health?.StartGrace ?? TimeSpan.Zero,
        }).Concat(settings.Tasks.SelectMany(t => t.RetryDelays.Append(t.Timeout).Append(t.StopTimeout)))
          .Append(settings.Storage.InvisibilityTimeout).Append(settings.Storage.PollInterval).Append(settings.Storage.HostTimeout)
          .Append(ShutdownBudget.Of(settings).HostShutdownTimeout);
        Assert.All(durations, d => Assert.True(d >= TimeSpan.Zero && d <= TimerMaximum, $"{what}: {d} cannot be a timer"));
        foreach (var token in settings.Tokens)
        {
            Assert.Equal(32, Convert.FromHexString(token.Sha256).Length);
        }

        foreach (var task in settings.Tasks.Where(t => t.TimeZone is not null))
        {
            TimeZoneInfo.FindSystemTimeZoneById(task.TimeZone!);
        }

        Assert.All(settings.Programs.Select(p => p.Name).Concat(settings.Tasks.Select(t => t.Name)), name => Assert.Matches(@"^[a-z0-9][a-z0-9_-]*\z", name));
    }

    private async Task StartAndStopAsync(JsonObject config, int seed)
    {
        // Keys are case-insensitive: a valid mutation may have renamed Ops to OPS.
        static JsonNode? Get(JsonObject o, string key) => o.FirstOrDefault(p => p.Key.Equals(key, StringComparison.OrdinalIgnoreCase)).Value;
        var ops = Get(config, "Ops") as JsonObject ?? [];
        var programs = (JsonObject)(Get(ops, "Programs")?.DeepClone() as JsonObject ?? []);
        var extra = new JsonObject();
        string[] own = ["Programs", "Host", "Logging"];
        foreach (var (key, value) in ops.Where(p => !own.Contains(p.Key, StringComparer.OrdinalIgnoreCase)))
        {
            extra[key] = value?.DeepClone();
        }

        await using var opsd = new Opsd(programs, extra);
        var what = $"seed {seed}, config {config.ToJsonString()}";
        try
        {
            await opsd.StartAsync(waitReady: false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
            Assert.Fail($"{what}: a valid config did not start: {ex.Message}");
        }

        Assert.Equal(0, await opsd.StopAsync(TimeSpan.FromSeconds(20)));
        Assert.Empty(opsd.LiveChildren());
    }

    /// <summary>The README's examples in one file, with commands that exist here and nothing that needs root or PostgreSQL.</summary>
    private JsonObject Base() => (JsonObject)JsonNode.Parse($$"""
        {
          "Ops": {
            "Host": { "Urls": "http://127.0.0.1:5080", "StateDirectory": "{{_directory}}/state", "LogDirectory": "{{_directory}}/log" },
            "Logging": {
              "Level": "Information", "Console": true, "File": true,
              "Seq": { "ServerUrl": "http://127.0.0.1:9", "BufferSizeLimitMB": 16, "Period": "2s" },
              "ChildOutput": { "BufferLines": 10000, "DropReportInterval": "10s" }
            },
            "Programs": {
              "db-proxy": {
                "Command": "/bin/sleep", "Args": [ "60" ],
                "Health": { "Tcp": "127.0.0.1:9", "Interval": "5s", "Timeout": "1s", "FailureThreshold": 3, "StartGrace": "5s" }
              },
              "web": {
                "Command": "/bin/sleep", "Args": [ "60" ], "Instances": 2, "Environment": { "APP_ENV": "prod" },
                "Restart": "Always", "StartSeconds": 2, "MaxRestarts": 5, "RestartWindow": "00:10:00",
                "Backoff": { "Initial": "100ms", "Max": "1m", "Multiplier": 2, "Jitter": 0.1 },
                "FatalRetryAfter": "15m", "StopSignal": "SIGTERM", "StopTimeout": "10s", "MemoryLimitMB": 512,
                "SuccessExitCodes": [ 0, 2 ], "DependsOn": [ "db-proxy" ],
                "Health": { "Http": "http://127.0.0.1:9/{instance}", "Interval": "10s", "Timeout": "2s", "FailureThreshold": 3 },
                "Log": { "MaxFileBytes": 52428800, "MaxFiles": 10, "ToSeq": true, "Level": { "Stdout": "Information", "Stderr": "Warning" } }
              }
            },
            "Storage": { "Provider": "InMemory", "Schema": "ops", "InvisibilityTimeout": "5m", "PollInterval": "200ms", "HostTimeout": "30s" },
            "Queues": {
              "cpu": { "Workers": 2, "Capacity": 1000 },
              "disk": { "Workers": 8, "Capacity": 10000, "Prefetch": 0 },
              "critical": { "Workers": 1, "Capacity": 100 }
            },
            "Tasks": {
              "thumbnail": { "Command": "/bin/true", "Queue": "cpu", "Timeout": "2m", "Retries": 2, "RetryDelays": [ "10s", "1m" ] },
              "backup": { "Command": "/bin/true", "Queue": "disk", "Cron": "0 3 * * *", "TimeZone": "Europe/Berlin", "Concurrency": 1 },
              "page": { "Command": "/bin/true", "Queue": "critical", "AllowArgs": true, "StopSignal": "SIGINT", "StopTimeout": "5s" }
            },
            "Security": { "Tokens": [ { "Name": "alice", "Sha256": "712a45f8aa6a0b9b5f3a58f4d0b6d2b8e2f3f3c1f0e9d8c7b6a5948372615041", "Role": "Admin" } ] }
          }
        }
        """)!;

    private JsonObject Mutated(Random random, out List<string> mutations)
    {
        var config = Base();
        mutations = [];
        for (var i = random.Next(1, 4); i > 0; i--)
        {
            var nodes = Nodes(config).ToList();
            if (nodes.Count == 0)
            {
                break;
            }

            var (parent, key, node) = nodes[random.Next(nodes.Count)];
            mutations.Add(Mutate(random, parent, key, node));
        }

        return config;
    }

    private static string Mutate(Random random, JsonNode parent, string key, JsonNode? node)
    {
        var at = node?.GetPath() ?? $"{parent.GetPath()}.{key}";
        switch (random.Next(8))
        {
            case 0:
                Remove(parent, key);
                return $"delete {at}";
            case 1:
                var kind = random.Next(3) switch { 0 => (JsonNode)new JsonObject(), 1 => new JsonArray(), _ => new JsonArray("x", 1) };
                Set(parent, key, kind);
                return $"{at} = {kind.ToJsonString()}";
            case 2 or 3:
                var scalar = Scalars[random.Next(Scalars.Length)]?.DeepClone();
                Set(parent, key, scalar);
                return $"{at} = {scalar?.ToJsonString() ?? "null"}";
            case 4:
                var duration = Durations[random.Next(Durations.Length)];
                Set(parent, key, duration);
                return $"{at} = {duration}";
            case 5 when parent is JsonObject:
                var upper = key.ToUpperInvariant() + (random.Next(2) == 0 ? string.Empty : "x");
                Remove(parent, key);
                ((JsonObject)parent)[upper] = node;
                return $"rename {at} to {upper}";
            case 6 when node is JsonObject container:
                var unknown = random.Next(2) == 0 ? "Restartt" : "Unknown\nKey";
                container[unknown] = 1;
                return $"add {at}.{unknown}";
            default:
                var text = random.Next(3) switch { 0 => new string('x', 10_000), 1 => "a\0b", _ => "ü\n\u2028" };
                Set(parent, key, text);
                return $"{at} = long or odd string";
        }
    }

    private static IEnumerable<(JsonNode Parent, string Key, JsonNode? Node)> Nodes(JsonNode node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o.ToList())
                {
                    yield return (o, key, value);
                    if (value is not null)
                    {
                        foreach (var inner in Nodes(value))
                        {
                            yield return inner;
                        }
                    }
                }

                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    yield return (a, i.ToString(CultureInfo.InvariantCulture), a[i]);
                    if (a[i] is { } value)
                    {
                        foreach (var inner in Nodes(value))
                        {
                            yield return inner;
                        }
                    }
                }

                break;
        }
    }

    private static void Set(JsonNode parent, string key, JsonNode? value)
    {
        if (parent is JsonObject o)
        {
            o[key] = value;
        }
        else
        {
            ((JsonArray)parent)[int.Parse(key, CultureInfo.InvariantCulture)] = value;
        }
    }

    private static void Remove(JsonNode parent, string key)
    {
        if (parent is JsonObject o)
        {
            o.Remove(key);
        }
        else
        {
            ((JsonArray)parent).RemoveAt(int.Parse(key, CultureInfo.InvariantCulture));
        }
    }

    private static int? EnvironmentInt(string name) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;
}
