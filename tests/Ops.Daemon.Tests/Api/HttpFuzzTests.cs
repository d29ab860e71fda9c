using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Ops.Daemon.Security;
using Ops.Daemon.Tests.Support;
using Xunit.Abstractions;

namespace Ops.Daemon.Tests.Api;

/// <summary>
/// Seeded, bounded fuzzing of opsd's HTTP surface with an Admin and a Viewer token configured: mutated methods,
/// paths, queries, headers and bodies. Whatever comes in: no 5xx, no stack trace or internal path in an answer,
/// nothing but Admin gets a 2xx for an action, /healthz still answers, and opsd logs no error.
/// OPS_FUZZ_SEED replays a run; OPS_FUZZ_CASES sets how many requests (default 300).
/// </summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
public sealed class HttpFuzzTests(ITestOutputHelper output)
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);

    private static readonly string[] Methods = ["GET", "GET", "GET", "POST", "POST", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "FOO", "get"];

    private static readonly string[] Names = ["web", "web:0", "web:1", "web:-1", "web:99999999999", "all", "hello", "nope", "", ":", "web:", ":0", "a%2Fb", "..", "%2e%2e", "%00", "web%0d%0a", "%ff%fe", "w\u00e9b", "WEB", "web:0:0"];

    private static readonly string[] QueryKeys = ["stream", "lines", "follow", "dryRun", "state", "task", "ids", "limit", "host", "returnUrl", "name", "x"];

    private static readonly string[] QueryValues = ["", "0", "1", "-1", "100", "10001", "2147483648", "99999999999999999999", "abc", "true", "false", "stdout", "stderr", "stdin", "Failed", "Succeeded", "%00", "%0d%0a", "%ff", "a,b,c", "//evil.example", "/%09/evil.example", "1e9", "NaN", "[]", "{}"];

    private static readonly string?[] ContentTypes = [null, "application/json", "application/json; charset=utf-8", "application/x-www-form-urlencoded", "multipart/form-data", "multipart/form-data; boundary=b", "text/plain", "application/xml", "application/octet-stream", "text/event-stream", "junk", ";;;", "application/json; charset=ebcdic"];

    [Fact]
    public async Task Fuzz_RandomRequests_NeverFailTheServerOrLeakOrActWithoutAdmin()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("OPS_FUZZ_SEED"), CultureInfo.InvariantCulture, out var s) ? s : Random.Shared.Next();
        var cases = int.TryParse(Environment.GetEnvironmentVariable("OPS_FUZZ_CASES"), CultureInfo.InvariantCulture, out var c) ? c : 300;
        output.WriteLine($"HTTP fuzz: OPS_FUZZ_SEED={seed} OPS_FUZZ_CASES={cases}");
        var random = new Random(seed);

        var admin = Tokens.New();
        var viewer = Tokens.New();
        await using var opsd = await new Opsd(new JsonObject { ["web"] = Worker.Shell("while true; do sleep 1; done") }, AuthMatrixTests.SecuredOps(admin, viewer), admin).StartAsync();
        await opsd.WaitForStateAsync("web", "Running", TimeSpan.FromSeconds(30));

        // What an answer must never show: a stack frame, a source location, where the daemon keeps its files.
        string[] leaks = [" at Ops.", " at Microsoft.", " at System.", " at Hangfire.", ".cs:line", opsd.Directory, AppContext.BaseDirectory.TrimEnd('/'), admin, viewer];
        var failures = new List<string>();
        var statuses = new SortedDictionary<int, int>();
        for (var i = 0; i < cases && failures.Count < 20; i++)
        {
            var request = Mutate(random, admin, viewer);
            RawHttp.Answer answer;
            try
            {
                answer = await RawHttp.SendAsync(opsd.Port, request.Head, request.Body, RequestTimeout);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or System.Net.Sockets.SocketException)
            {
                failures.Add($"#{i} no answer ({ex.GetType().Name}: {ex.Message}) to {request}");
                continue;
            }

            statuses[answer.Status] = statuses.GetValueOrDefault(answer.Status) + 1;
            if (answer.Status >= 500)
            {
                failures.Add($"#{i} {answer.Status} to {request}: {Shorten(answer.Body)}");
            }

            if (leaks.FirstOrDefault(l => answer.Body.Contains(l, StringComparison.Ordinal) || answer.Headers.Values.Any(v => v.Contains(l, StringComparison.Ordinal))) is { } leak)
            {
                failures.Add($"#{i} the answer ({answer.Status}) shows '{leak}' to {request}: {Shorten(answer.Body)}");
            }

            if (request.Acts && request.Caller != "admin" && answer.Status is >= 200 and < 300)
            {
                failures.Add($"#{i} {answer.Status} for an action as {request.Caller}: {request}");
            }
        }

        output.WriteLine("statuses: " + string.Join(", ", statuses.Select(kv => $"{kv.Key} x{kv.Value}")));
        using (var health = await opsd.Http.GetAsync("/healthz"))
        {
            if (!health.IsSuccessStatusCode)
            {
                failures.Add($"/healthz answers {(int)health.StatusCode} after the fuzz");
            }
        }

        var errors = opsd.Output.Split('\n').Where(l => l.Contains(" ERR]", StringComparison.Ordinal) || l.Contains(" FTL]", StringComparison.Ordinal) || l.StartsWith("   at ", StringComparison.Ordinal)).Take(10).ToList();
        if (errors.Count > 0)
        {
            failures.Add("opsd logged errors:\n" + string.Join('\n', errors));
        }

        Assert.True(failures.Count == 0, $"OPS_FUZZ_SEED={seed} OPS_FUZZ_CASES={cases}:\n{string.Join('\n', failures)}");
    }

    private sealed record Request(string Head, byte[] Body, string Caller, bool Acts)
    {
        public override string ToString() => $"[{Caller}] {Shorten(Head.Replace("\r\n", " | ", StringComparison.Ordinal))} body {Body.Length} bytes";
    }

    private static Request Mutate(Random random, string admin, string viewer)
    {
        var method = Pick(random, Methods);
        var path = Path(random);
        var query = random.Next(3) == 0 ? string.Empty : "?" + string.Join('&', Enumerable.Range(0, random.Next(1, 4)).Select(_ => QueryPair(random)));
        var (caller, authorization) = random.Next(6) switch
        {
            0 => ("none", null),
            1 => ("bad", "Bearer ops_not-a-real-token"),
            2 => ("viewer", $"Bearer {viewer}"),
            3 => ("junk", Pick(random, ["Bearer", "Basic YWRtaW46YWRtaW4=", "Bearer " + new string('x', 5000), "bearer " + viewer, "Bearer  " + viewer + " extra", $"Bearer {viewer}\u00e9"])),
            _ => ("admin", $"Bearer {admin}"),
        };

        var body = Body(random);
        var head = new StringBuilder($"{method} {path}{query} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close");
        if (authorization is not null)
        {
            head.Append("\r\nAuthorization: ").Append(authorization);
        }

        if (Pick(random, ContentTypes) is { } contentType)
        {
            head.Append("\r\nContent-Type: ").Append(contentType);
        }

        switch (random.Next(10))
        {
            case 0:
                head.Append("\r\nX-Junk-").Append(random.Next()).Append(": ").Append(Pick(random, ["\u00ff\u00fe", new string('h', 9000), "a\tb", ""]));
                break;
            case 1:
                head.Append("\r\nAccept: ").Append(Pick(random, ["text/event-stream", "application/xml", "*/*;q=x", "\u00e9"]));
                break;
            case 2:
                head.Append("\r\nCookie: ").Append(Pick(random, ["ops_token=" + viewer, "ops_token=junk", "a=b; ; ;", new string('c', 3000)]));
                break;
        }

        if (random.Next(8) == 0 && body.Length > 0)
        {
            head.Append("\r\nTransfer-Encoding: chunked");
            body = Chunk(body);
        }
        else
        {
            head.Append("\r\nContent-Length: ").Append(body.Length.ToString(CultureInfo.InvariantCulture));
        }

        var acts = !method.Equals("GET", StringComparison.OrdinalIgnoreCase) && !method.Equals("OPTIONS", StringComparison.OrdinalIgnoreCase) && !method.Equals("TRACE", StringComparison.OrdinalIgnoreCase);
        return new Request(head.ToString(), body, caller, acts && !path.StartsWith("/login", StringComparison.Ordinal) && !path.StartsWith("/logout", StringComparison.Ordinal));
    }

    private static string Path(Random random)
    {
        var name = random.Next(8) == 0 ? Junk(random, random.Next(1, 40)) : Pick(random, Names);
        string[] routes =
        [
            "/healthz", "/readyz", "/metrics", "/", "/login", "/logout", "/hangfire", "/hangfire/programs", "/hangfire/jobs/failed",
            "/api/v1/programs", $"/api/v1/programs/{name}", $"/api/v1/programs/{name}/history", $"/api/v1/programs/{name}/log",
            $"/api/v1/programs/{name}/start", $"/api/v1/programs/{name}/stop", $"/api/v1/programs/{name}/restart", "/api/v1/reload",
            $"/api/v1/tasks/{name}/runs", "/api/v1/jobs", $"/api/v1/jobs/{name}", "/api/v1/jobs/1", "/api/v2/programs", "/api",
            "/api/v1/programs/web/log/extra", "//api/v1/programs", "/api/v1/../v1/programs", "/hangfire/../api/v1/reload", "/%2e%2e/etc/passwd",
            "/" + new string('p', random.Next(1, 6000)), "*",
        ];
        return Pick(random, routes);
    }

    private static string QueryPair(Random random)
    {
        var key = Pick(random, QueryKeys);

        // A follow stream only ends when its client goes: bounded requests ask for the plain tail.
        var value = key == "follow" ? Pick(random, ["false", "0", "no", ""]) : random.Next(6) == 0 ? Junk(random, random.Next(1, 30)) : Pick(random, QueryValues);
        return random.Next(10) == 0 ? key : $"{key}={value}";
    }

    private static byte[] Body(Random random)
    {
        switch (random.Next(14))
        {
            case 0:
            case 1:
                return [];
            case 2:
                var bytes = new byte[random.Next(1, 4096)];
                random.NextBytes(bytes);
                return bytes;
            case 3:
                var depth = random.Next(50, 5000);
                return Encoding.UTF8.GetBytes(new string('[', depth) + new string(']', depth));
            case 4:
                return Encoding.UTF8.GetBytes("{\"items\":[" + string.Join(',', Enumerable.Range(0, random.Next(1, 20)).Select(n => $"{{\"n\":{n}}}")) + "]}");
            case 5:
                return Encoding.UTF8.GetBytes(Pick(random, ["{\"args\":1}", "{\"items\":\"x\"}", "{\"args\":[1,2]}", "{\"args\":[\"--x\"]}", "[]", "\"str\"", "null", "{\"unknown\":true}", "{", "{\"items\":[]}", "{\"items\":[1],\"items\":[2]}", "{\"args\":null}"]));
            case 6:
                return Encoding.UTF8.GetBytes("{\"items\":[\"a\0b\",\"line\nbreak\",\"\\u0000\",\"\r\n\"]}");
            case 7:
                return Encoding.UTF8.GetBytes($"token={Junk(random, 20)}&returnUrl={Uri.EscapeDataString(Pick(random, ["/%09/evil.example", "//evil", "/\\evil", "/hangfire\r\nX: y", "/hangfire/jobs"]))}");
            case 8:
                return Encoding.UTF8.GetBytes("--b\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\n" + Junk(random, 10) + (random.Next(2) == 0 ? "\r\n--b--\r\n" : string.Empty));
            case 9:
                return Encoding.UTF8.GetBytes("{\"items\":[\"" + new string('z', random.Next(100_000, 1_000_000)) + "\"]}");
            case 10:
                return Encoding.UTF8.GetBytes(string.Join('&', Enumerable.Range(0, random.Next(500, 1500)).Select(n => $"k{n}=v")));
            case 11:
                return Encoding.UTF8.GetBytes("{\"items\":[" + string.Join(',', Enumerable.Range(0, 40).Select(_ => random.Next(4) switch { 0 => "1e400", 1 => "-0", 2 => "\"\\ud800\"", _ => "{\"a\":{\"b\":[null,true]}}" })) + "]}");
            default:
                return Encoding.UTF8.GetBytes(Junk(random, random.Next(1, 200)));
        }
    }

    /// <summary>Percent-encoded random characters (control, slash, non-ASCII), so they survive into a request line.</summary>
    private static string Junk(Random random, int length)
    {
        const string alphabet = "abcXYZ019-_.~:/?#[]@!$&'()*+,;=% \\\"<>{}|^`\t\r\n\0\u00e9\u2215\uffff";
        var text = new string(Enumerable.Range(0, length).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray());
        return Uri.EscapeDataString(text);
    }

    private static byte[] Chunk(byte[] body)
    {
        using var stream = new MemoryStream();
        for (var at = 0; at < body.Length; at += 8192)
        {
            var size = Math.Min(8192, body.Length - at);
            stream.Write(Encoding.ASCII.GetBytes($"{size:x}\r\n"));
            stream.Write(body, at, size);
            stream.Write("\r\n"u8);
        }

        stream.Write("0\r\n\r\n"u8);
        return stream.ToArray();
    }

    private static T Pick<T>(Random random, T[] values) => values[random.Next(values.Length)];

    private static string Shorten(string text) => text.Length > 300 ? text[..300] + "..." : text;
}
