using System.CommandLine;
using System.Net.ServerSentEvents;
using System.Text.Json;
using Ops.Cli.Api;
using Ops.Cli.CommandLine;

namespace Ops.Cli.Commands;

/// <summary>
/// <c>opsctl tail NAME [-f] [-n N] [--stderr]</c>: an instance's last output lines; with -f, then every new line
/// as opsd streams it (server-sent events, each <c>data: {"at":...,"pid":...,"text":"..."}</c>), until Ctrl+C.
/// </summary>
public static class TailCommand
{
    private const int DefaultLines = 100;
    private const int MaxLines = 10_000;
    private const string DroppedEvent = "dropped";

    /// <summary>The command.</summary>
    public static Command Create(GlobalOptions global)
    {
        var name = new Argument<string>("NAME") { Description = "An instance (web:0); a program name alone when it has one instance" };
        name.Validators.Add(Values.Target(allowAll: false));
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new lines as they come (Ctrl+C ends)" };
        var lines = new Option<int?>("--lines", "-n") { Description = $"How many of the last lines to show (default {DefaultLines}, at most {MaxLines})", CustomParser = Values.Int("--lines", 1, MaxLines), HelpName = "N" };
        var stderr = new Option<bool>("--stderr") { Description = "Show stderr instead of stdout" };
        var command = new Command("tail", "Show the last output lines of a program instance");
        command.Arguments.Add(name);
        command.Options.Add(follow);
        command.Options.Add(lines);
        command.Options.Add(stderr);
        command.SetAction((result, ct) => global.RunAsync(result, ct, session =>
        {
            var path = ApiPaths.Log(result.GetRequiredValue(name), result.GetValue(stderr), result.GetValue(lines) ?? DefaultLines, result.GetValue(follow));
            return result.GetValue(follow) ? FollowAsync(session, path, ct) : TailAsync(session, path, ct);
        }));
        return command;
    }

    private static async Task<int> TailAsync(Session session, string path, CancellationToken ct)
    {
        var answer = await session.Client.GetAsync(path, ct);
        if (session.Json)
        {
            session.Terminal.WriteJson(answer.Body);
            return ExitCodes.Ok;
        }

        WriteLines(session, answer.Read(ApiJson.Default.ListLogLine));
        return ExitCodes.Ok;
    }

    private static async Task<int> FollowAsync(Session session, string path, CancellationToken ct)
    {
        using var response = await session.Client.OpenStreamAsync(path, ct);
        if (response.Content.Headers.ContentType?.MediaType != "text/event-stream")
        {
            // An opsd without follow support answers the plain tail: show it, and say why it stops there.
            var answer = new ApiAnswer((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct), response.Content.Headers.ContentType?.MediaType);
            if (session.Json)
            {
                session.Terminal.WriteJson(answer.Body);
            }
            else
            {
                WriteLines(session, answer.Read(ApiJson.Default.ListLogLine));
            }

            session.Terminal.Error($"opsd at {session.Client.BaseUrl} does not stream logs (no server-sent events for follow=true); showed the last lines only");
            return ExitCodes.Failed;
        }

        try
        {
            await session.Client.ReadStreamAsync(
                async () =>
                {
                    await using var stream = await response.Content.ReadAsStreamAsync(ct);
                    await foreach (var item in SseParser.Create(stream).EnumerateAsync(ct))
                    {
                        WriteEvent(session, item);
                    }
                },
                ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Ctrl+C is how a follow ends.
            return ExitCodes.Ok;
        }

        // opsd stopped (or restarts): for a script watching the stream, that is the daemon going away.
        session.Terminal.Error($"opsd at {session.Client.BaseUrl} ended the stream (stopping or restarting?)");
        return ExitCodes.Unreachable;
    }

    private static void WriteEvent(Session session, SseItem<string> item)
    {
        if (item.EventType == DroppedEvent)
        {
            // opsd drops lines for a reader that cannot keep up, and says how many (a running total).
            long? dropped;
            try
            {
                dropped = JsonSerializer.Deserialize(item.Data, ApiJson.Default.DroppedLines)?.Dropped;
            }
            catch (JsonException)
            {
                dropped = null;
            }

            session.Terminal.Warn($"opsd has dropped {dropped?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "some"} line(s) of this stream so far: opsctl did not read them fast enough");
            return;
        }

        if (item.EventType != SseParser.EventTypeDefault || item.Data.Length == 0)
        {
            return; // event kinds this opsctl does not know
        }

        if (session.Json)
        {
            session.Terminal.WriteJson(item.Data); // JSON lines, one event each
            return;
        }

        LogLine? line;
        try
        {
            line = JsonSerializer.Deserialize(item.Data, ApiJson.Default.LogLine);
        }
        catch (JsonException)
        {
            line = new LogLine(null, null, item.Data);
        }

        WriteLines(session, line is null ? [] : [line]);
    }

    /// <summary>Program output goes out as it is: no markup, no wrapping, no colour.</summary>
    private static void WriteLines(Session session, IEnumerable<LogLine> lines)
    {
        var output = session.Terminal.RawOut;
        foreach (var line in lines)
        {
            output.WriteLine(line.Text);
        }

        output.Flush();
    }
}
