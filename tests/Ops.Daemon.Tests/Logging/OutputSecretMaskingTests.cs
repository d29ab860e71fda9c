using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Ops.Daemon.Tests.Support;

namespace Ops.Daemon.Tests.Logging;

/// <summary>
/// A configured secret that a program or a task prints shows as *** wherever opsd keeps or serves output: the tail,
/// the follow stream, the per-instance files, the history's stderr lines, a task run's stderr tail and the console.
/// </summary>
[Collection(DaemonCollection.Name)]
[ProcessLeakGuard]
public sealed class OutputSecretMaskingTests
{
    private const string Password = "Pa55-sekrit-0042";
    private const string Token = "tok-9f8e7d6c5b4a";
    private const string LaterPassword = "later-pa55word-77";

    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Output_ProgramAndTaskPrintSecrets_EveryViewShowsMask()
    {
        var secret = new JsonObject { ["DB_PASSWORD"] = Password };

        // The secret split over two reads of the pipe, and one straddling the 16 KiB cut of a long line.
        const string Script = """
            echo "db $DB_PASSWORD ok"
            echo "err $DB_PASSWORD" >&2
            head=${DB_PASSWORD%????????}
            printf 'split %s' "$head"; sleep 0.3; printf '%s end\n' "${DB_PASSWORD#"$head"}"
            printf '%16380s%s tail\n' '' "$DB_PASSWORD"
            while true; do echo "tick $DB_PASSWORD"; sleep 0.1; done
            """;
        await using var opsd = await new Opsd(
            new JsonObject
            {
                ["leaky"] = Worker.Shell(Script, new JsonObject { ["Environment"] = secret }),
                ["crash"] = Worker.Shell("sleep 0.5; echo \"fatal $DB_PASSWORD\" >&2; exit 3", new JsonObject { ["Environment"] = secret.DeepClone(), ["Restart"] = "Never" }),
            },
            TaskSetup.Ops("InMemory", new JsonObject
            {
                ["leak"] = TaskSetup.ShellTask("echo \"task $API_TOKEN\" >&2; exit 2", new JsonObject
                {
                    ["Retries"] = 0,
                    ["Environment"] = new JsonObject { ["API_TOKEN"] = Token },
                }),
            })).StartAsync();
        await opsd.WaitForStateAsync("leaky", "Running", Wait);
        await WaitForLineAsync(opsd, "leaky", "stdout", "tick ***");

        var stdout = await TailAsync(opsd, "leaky", "stdout");
        var stderr = await TailAsync(opsd, "leaky", "stderr");
        AssertMasked(stdout, Password);
        AssertMasked(stderr, Password);
        Assert.Contains("db *** ok", stdout);
        Assert.Contains("split *** end", stdout);
        Assert.Contains("err ***", stderr);
        Assert.Contains(stdout, l => l.EndsWith("*** tail", StringComparison.Ordinal));

        // Follow: the backlog and the live lines.
        using (var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/programs/leaky/log?lines=5&follow=true"))
        using (var cts = new CancellationTokenSource(Wait))
        {
            using var response = await opsd.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cts.Token));
            var followed = new List<string>();
            while (followed.Count < 10)
            {
                var line = await reader.ReadLineAsync(cts.Token);
                if (line is not null && line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    followed.Add(JsonDocument.Parse(line["data: ".Length..]).RootElement.GetProperty("text").GetString()!);
                }
            }

            AssertMasked(followed, Password);
            Assert.Contains("tick ***", followed);
        }

        var files = Path.Combine(opsd.Directory, "log", "programs");
        var outFile = ReadShared(Path.Combine(files, "leaky-0.out.log"));
        Assert.Contains("db *** ok", outFile, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, outFile.Replace("\n", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain(Password, ReadShared(Path.Combine(files, "leaky-0.err.log")), StringComparison.Ordinal);

        // The "why" view: the last stderr lines of a failed exit.
        await opsd.WaitForStateAsync("crash", "Exited", Wait);
        var exit = (await opsd.HistoryAsync("crash")).First(t => t.To == "Exited");
        Assert.Contains("fatal ***", exit.StderrTail);
        AssertMasked(exit.StderrTail, Password);

        // A task run: its stderr tail and reason on the job, its file, and the console's failure text.
        var id = (await opsd.SubmitOkAsync("leak")).Single();
        var job = await opsd.WaitJobStateAsync(id, "Failed", Wait);
        Assert.Contains("task ***", job.StderrTail);
        AssertMasked(job.StderrTail, Token);
        Assert.DoesNotContain(Token, job.Reason ?? string.Empty, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, ReadShared(Path.Combine(opsd.Directory, "log", "tasks", "leak-0.err.log")), StringComparison.Ordinal);
        var console = await opsd.Http.GetStringAsync($"/hangfire/jobs/details/{id}");
        Assert.Contains("task ***", console, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, console, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Output_ReloadAddsProgramWithNewSecret_ItsFirstLineIsMasked()
    {
        await using var opsd = await new Opsd(new JsonObject { ["quiet"] = Worker.Shell("while true; do sleep 1; done") }).StartAsync();
        await opsd.WaitForStateAsync("quiet", "Running", Wait);

        var root = JsonNode.Parse(File.ReadAllText(opsd.ConfigPath))!.AsObject();
        root["Ops"]!["Programs"]!["newcomer"] = Worker.Shell(
            "echo \"first $SERVICE_PASSWORD\"; while true; do sleep 1; done",
            new JsonObject { ["Environment"] = new JsonObject { ["SERVICE_PASSWORD"] = LaterPassword } });
        File.WriteAllText(opsd.ConfigPath, root.ToJsonString());
        using (var response = await opsd.Http.PostAsync("/api/v1/reload", null))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await WaitForLineAsync(opsd, "newcomer", "stdout", "first ***");
        AssertMasked(await TailAsync(opsd, "newcomer", "stdout"), LaterPassword);
    }

    /// <summary>No line shows the secret, and neither do the lines put together (a secret cut in two).</summary>
    private static void AssertMasked(IReadOnlyList<string> lines, string secret)
    {
        Assert.All(lines, l => Assert.DoesNotContain(secret, l, StringComparison.Ordinal));
        Assert.DoesNotContain(secret, string.Concat(lines), StringComparison.Ordinal);
    }

    private static async Task<List<string>> TailAsync(Opsd opsd, string program, string stream)
    {
        var json = JsonDocument.Parse(await opsd.Http.GetStringAsync($"/api/v1/programs/{program}/log?lines=1000&stream={stream}")).RootElement;
        return [.. json.EnumerateArray().Select(l => l.GetProperty("text").GetString()!)];
    }

    private static async Task WaitForLineAsync(Opsd opsd, string program, string stream, string text)
    {
        var deadline = DateTime.UtcNow + Wait;
        List<string> lines = [];
        while (DateTime.UtcNow < deadline)
        {
            lines = await TailAsync(opsd, program, stream);
            if (lines.Contains(text))
            {
                return;
            }

            await Task.Delay(50);
        }

        Assert.Fail($"{program} {stream} never showed '{text}': {string.Join(" | ", lines.TakeLast(5).Select(l => l.Length > 80 ? l[..80] + "..." : l))}");
    }

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
