using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Ops.TestWorker;

/// <summary>
/// A minimal HTTP/1.1 responder on 127.0.0.1 for health-probe tests: every request gets <c>status</c> with body
/// "ok" (or 500 once <c>failAfter</c> requests were answered). A raw socket keeps worker startup fast.
/// </summary>
internal sealed class TinyHttpServer(int port, int status, int? failAfter)
{
    private int _served;

    public void Start()
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        _ = Task.Run(async () =>
        {
            while (true)
            {
                Socket client = await listener.AcceptSocketAsync().ConfigureAwait(false);
                _ = Task.Run(() => ServeAsync(client));
            }
        });
    }

    private async Task ServeAsync(Socket client)
    {
        using (client)
        {
            var received = new StringBuilder();
            var buffer = new byte[4096];
            while (!received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
            {
                int read = await client.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
                if (read == 0)
                {
                    return;
                }

                received.Append(Encoding.ASCII.GetString(buffer, 0, read));
            }

            int served = Interlocked.Increment(ref _served);
            int code = failAfter is { } limit && served > limit ? 500 : status;
            string body = code is >= 200 and < 300 ? "ok" : "fail";
            string response = $"HTTP/1.1 {code} Status\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}";
            await client.SendAsync(Encoding.ASCII.GetBytes(response), SocketFlags.None).ConfigureAwait(false);
            client.Shutdown(SocketShutdown.Both);
        }
    }
}
