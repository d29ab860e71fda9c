using System.Net;
using System.Text;
using System.Text.Json;
using Ops.Daemon.Security;
using Ops.Daemon.Tests.Support;

namespace Ops.Daemon.Tests.Api;

/// <summary>
/// Requests anyone can send that are wrong on the client's side: each is refused with a 4xx problem+json saying
/// what was wrong, never a 500, and opsd does not log them as errors with a stack trace.
/// </summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
public sealed class ClientFaultTests
{
    private const int MiB = 1024 * 1024;

    [Fact]
    public async Task Login_BodiesThatAreNotALoginForm_AreRefusedWith4xxProblems()
    {
        await using var opsd = await new Opsd([], AuthMatrixTests.SecuredOps(Tokens.New(), Tokens.New())).StartAsync();
        const string form = "application/x-www-form-urlencoded";
        var manyFields = string.Join('&', Enumerable.Range(0, 1100).Select(i => $"f{i}=x"));
        var cases = new (string What, string? ContentType, string? Body, HttpStatusCode[] Expected)[]
        {
            ("json", "application/json", "{\"token\":\"x\"}", [HttpStatusCode.UnsupportedMediaType]),
            ("plain text", "text/plain", "token=x", [HttpStatusCode.UnsupportedMediaType]),
            ("no content type", null, "token=x", [HttpStatusCode.UnsupportedMediaType]),
            ("no body", null, null, [HttpStatusCode.UnsupportedMediaType]),
            ("broken multipart", "multipart/form-data; boundary=zzz", "--zzz\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\nx", [HttpStatusCode.BadRequest]),
            ("multipart without boundary", "multipart/form-data", "token=x", [HttpStatusCode.BadRequest]),
            ("1,100 form fields", form, manyFields, [HttpStatusCode.BadRequest, HttpStatusCode.RequestEntityTooLarge]),
            ("a 5 MB value", form, "token=" + new string('a', 5 * MiB), [HttpStatusCode.RequestEntityTooLarge]),
            ("a 12 MB body", form, string.Join('&', Enumerable.Range(0, 1000).Select(i => $"f{i}={new string('b', 12 * 1024)}")), [HttpStatusCode.RequestEntityTooLarge]),
            ("a 40 MB body", form, "token=" + new string('c', 40 * MiB), [HttpStatusCode.RequestEntityTooLarge]),
        };

        var failures = new List<string>();
        foreach (var (what, contentType, body, expected) in cases)
        {
            var bytes = body is null ? null : Encoding.UTF8.GetBytes(body);
            var head = "POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close"
                + (contentType is null ? string.Empty : $"\r\nContent-Type: {contentType}")
                + $"\r\nContent-Length: {bytes?.Length ?? 0}";
            var answer = await RawHttp.SendAsync(opsd.Port, head, bytes ?? [], Timeout);
            Check(answer, $"POST /login with {what}", expected, failures);
        }

        AssertNoErrorLogged(opsd, failures);
    }

    [Fact]
    public async Task TaskRun_BodyOverTheLimit_Is413NamingTheLimit()
    {
        var admin = Tokens.New();
        await using var opsd = await new Opsd([], AuthMatrixTests.SecuredOps(admin, Tokens.New()), admin).StartAsync();
        var huge = Encoding.UTF8.GetBytes("{\"items\":[\"" + new string('x', 40 * MiB) + "\"]}");
        var head = $"POST /api/v1/tasks/hello/runs HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Bearer {admin}\r\nContent-Type: application/json";
        var failures = new List<string>();

        var sized = await RawHttp.SendAsync(opsd.Port, head + $"\r\nContent-Length: {huge.Length}", huge, Timeout);
        Check(sized, "a 40 MB run request", [HttpStatusCode.RequestEntityTooLarge], failures);
        Assert.Contains("33554432 bytes", sized.Body, StringComparison.Ordinal);

        // Without Content-Length the limit can only be found while reading.
        var chunked = await RawHttp.SendAsync(opsd.Port, head + "\r\nTransfer-Encoding: chunked", Chunked(huge), Timeout);
        Check(chunked, "a chunked 40 MB run request", [HttpStatusCode.RequestEntityTooLarge], failures);
        Assert.Contains("33554432 bytes", chunked.Body, StringComparison.Ordinal);

        // Under the limit still works.
        using var small = new StringContent("{\"items\":[1,2]}", Encoding.UTF8, "application/json");
        using var accepted = await opsd.Http.PostAsync("/api/v1/tasks/hello/runs", small);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);

        AssertNoErrorLogged(opsd, failures);
    }

    [Fact]
    public async Task Console_BrokenFormPosts_AreRefusedWith400Problems()
    {
        // Found by HttpFuzzTests: the console's antiforgery check reads the form and wrapped the failure, so 500.
        var admin = Tokens.New();
        await using var opsd = await new Opsd([], AuthMatrixTests.SecuredOps(admin, Tokens.New()), admin).StartAsync();
        var cases = new (string What, string ContentType, string Body)[]
        {
            ("multipart without boundary", "multipart/form-data", "x"),
            ("multipart cut short", "multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"jobs[]\"\r\n\r\n1"),
            ("too many fields", "application/x-www-form-urlencoded", string.Join('&', Enumerable.Range(0, 1100).Select(i => $"f{i}=x"))),
        };

        var failures = new List<string>();
        foreach (var path in new[] { "/hangfire/jobs/failed/requeue", "/hangfire/programs" })
        {
            foreach (var (what, contentType, body) in cases)
            {
                var bytes = Encoding.UTF8.GetBytes(body);
                var head = $"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Bearer {admin}\r\nContent-Type: {contentType}\r\nContent-Length: {bytes.Length}";
                Check(await RawHttp.SendAsync(opsd.Port, head, bytes, Timeout), $"POST {path} with {what}", [HttpStatusCode.BadRequest], failures);
            }
        }

        AssertNoErrorLogged(opsd, failures);
    }

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private static MemoryStream Chunked(byte[] body)
    {
        var stream = new MemoryStream();
        for (var at = 0; at < body.Length; at += 64 * 1024)
        {
            var size = Math.Min(64 * 1024, body.Length - at);
            stream.Write(Encoding.ASCII.GetBytes($"{size:x}\r\n"));
            stream.Write(body, at, size);
            stream.Write("\r\n"u8);
        }

        stream.Write("0\r\n\r\n"u8);
        stream.Position = 0;
        return stream;
    }

    private static void Check(RawHttp.Answer answer, string what, HttpStatusCode[] expected, List<string> failures)
    {
        if (!expected.Contains((HttpStatusCode)answer.Status))
        {
            failures.Add($"{what}: {answer.Status}, expected {string.Join(" or ", expected.Select(e => (int)e))}: {Shorten(answer.Body)}");
            return;
        }

        if (answer.Header("Content-Type")?.StartsWith("application/problem+json", StringComparison.Ordinal) != true)
        {
            failures.Add($"{what}: {answer.Status} as {answer.Header("Content-Type")}, not problem+json: {Shorten(answer.Body)}");
            return;
        }

        var detail = JsonDocument.Parse(answer.Body).RootElement.TryGetProperty("detail", out var d) ? d.GetString() : null;
        if (string.IsNullOrWhiteSpace(detail))
        {
            failures.Add($"{what}: {answer.Status} without a detail saying what was wrong: {Shorten(answer.Body)}");
        }
    }

    private static void AssertNoErrorLogged(Opsd opsd, List<string> failures)
    {
        var output = opsd.Output;
        if (output.Contains(" ERR]", StringComparison.Ordinal) || output.Contains("   at ", StringComparison.Ordinal))
        {
            failures.Add($"opsd logged an error or a stack trace:\n{output}");
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    private static string Shorten(string body) => body.Length > 300 ? body[..300] + "..." : body;
}
