using System.Net.Sockets;
using System.Text;

namespace Ops.Daemon.Tests.Support;

/// <summary>
/// HTTP/1.1 over a bare socket, for requests HttpClient will not send (malformed heads, wrong lengths) and for
/// bodies the server refuses before it has read them: the answer is read while the body is still being written,
/// and a server that closes early only ends the writing.
/// </summary>
internal static class RawHttp
{
    private static readonly byte[] HeadEnd = "\r\n\r\n"u8.ToArray();

    public sealed record Answer(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
    {
        public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
    }

    /// <summary>Sends <paramref name="head"/> (request line and headers, without the blank line) and then <paramref name="body"/>.</summary>
    public static async Task<Answer> SendAsync(int port, string head, Stream? body, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(System.Net.IPAddress.Loopback, port, cts.Token);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var writing = WriteAsync(stream, head, body, cts.Token);
        try
        {
            return await ReadAnswerAsync(stream, cts.Token);
        }
        finally
        {
            socket.Shutdown(SocketShutdown.Both);
            await writing;
        }
    }

    public static Task<Answer> SendAsync(int port, string head, byte[] body, TimeSpan timeout) =>
        SendAsync(port, head, new MemoryStream(body), timeout);

    private static async Task WriteAsync(NetworkStream stream, string head, Stream? body, CancellationToken ct)
    {
        try
        {
            await stream.WriteAsync(Encoding.Latin1.GetBytes(head.TrimEnd('\r', '\n') + "\r\n\r\n"), ct);
            if (body is not null)
            {
                await body.CopyToAsync(stream, ct);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The server answered (or gave up) before it took the whole body: that is allowed.
        }
    }

    private static async Task<Answer> ReadAnswerAsync(NetworkStream stream, CancellationToken ct)
    {
        var received = new MemoryStream();
        var buffer = new byte[64 * 1024];
        int headEnd;
        while ((headEnd = IndexOf(received, HeadEnd)) < 0)
        {
            var n = await stream.ReadAsync(buffer, ct);
            if (n == 0)
            {
                throw new IOException($"the connection closed before a complete answer head; got: {Encoding.Latin1.GetString(received.ToArray())}");
            }

            received.Write(buffer, 0, n);
        }

        var all = received.ToArray();
        var lines = Encoding.Latin1.GetString(all, 0, headEnd).Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        var rest = new MemoryStream();
        rest.Write(all, headEnd + HeadEnd.Length, all.Length - headEnd - HeadEnd.Length);
        if (headers.TryGetValue("Content-Length", out var length))
        {
            var want = long.Parse(length, System.Globalization.CultureInfo.InvariantCulture);
            while (rest.Length < want)
            {
                var n = await stream.ReadAsync(buffer, ct);
                if (n == 0)
                {
                    break;
                }

                rest.Write(buffer, 0, n);
            }

            return new Answer(status, headers, Encoding.UTF8.GetString(rest.ToArray(), 0, (int)Math.Min(want, rest.Length)));
        }

        if (headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            while (IndexOf(rest, "\r\n0\r\n\r\n"u8.ToArray()) < 0 && !StartsWith(rest, "0\r\n\r\n"u8.ToArray()))
            {
                var n = await stream.ReadAsync(buffer, ct);
                if (n == 0)
                {
                    break;
                }

                rest.Write(buffer, 0, n);
            }

            return new Answer(status, headers, Dechunk(rest.ToArray()));
        }

        return new Answer(status, headers, Encoding.UTF8.GetString(rest.ToArray()));
    }

    private static string Dechunk(byte[] data)
    {
        var body = new MemoryStream();
        var at = 0;
        while (at < data.Length)
        {
            var lineEnd = Array.IndexOf(data, (byte)'\r', at);
            if (lineEnd < 0)
            {
                break;
            }

            var size = Convert.ToInt32(Encoding.Latin1.GetString(data, at, lineEnd - at).Split(';')[0].Trim(), 16);
            if (size == 0)
            {
                break;
            }

            at = lineEnd + 2;
            body.Write(data, at, Math.Min(size, data.Length - at));
            at += size + 2;
        }

        return Encoding.UTF8.GetString(body.ToArray());
    }

    private static bool StartsWith(MemoryStream stream, byte[] pattern) =>
        stream.Length >= pattern.Length && stream.GetBuffer().AsSpan(0, pattern.Length).SequenceEqual(pattern);

    private static int IndexOf(MemoryStream stream, byte[] pattern) =>
        stream.GetBuffer().AsSpan(0, (int)stream.Length).IndexOf(pattern);
}
