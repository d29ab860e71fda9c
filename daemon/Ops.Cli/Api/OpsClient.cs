using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Reflection;
using System.Text;

namespace Ops.Cli.Api;

/// <summary>
/// The HTTP side of opsctl: one base URL, an optional bearer token, and every failure turned into one of three
/// exceptions (unreachable, refused, unexpected), which the command line maps to exit codes.
/// </summary>
public sealed class OpsClient : IDisposable
{
    /// <summary>How long a request may take, from connecting to the last byte of the answer.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    /// <summary>A daemon on a reachable host accepts at once; longer means a wrong or firewalled address.</summary>
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    private readonly HttpClient _http;

    /// <summary>A client of the opsd at <paramref name="baseUrl"/>, sending <paramref name="token"/> when given.</summary>
    public OpsClient(Uri baseUrl, string? token)
    {
        // A trailing slash keeps a path prefix (http://proxy/ops/) when relative routes are resolved against it.
        BaseUrl = baseUrl.AbsoluteUri.EndsWith('/') ? baseUrl : new Uri(baseUrl.AbsoluteUri + "/");
        TokenSent = !string.IsNullOrEmpty(token);

        // No client-wide timeout: follow streams run for as long as the operator watches; requests get their own.
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = ConnectTimeout }) { BaseAddress = BaseUrl, Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("opsctl", Version));
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (TokenSent)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    /// <summary>The daemon's base URL, ending in a slash.</summary>
    public Uri BaseUrl { get; }

    /// <summary>Whether requests carry a bearer token.</summary>
    public bool TokenSent { get; }

    private static string Version => typeof(OpsClient).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0";

    /// <summary>GET <paramref name="path"/>; throws unless the answer is 2xx.</summary>
    public Task<ApiAnswer> GetAsync(string path, CancellationToken ct) => SendAsync(HttpMethod.Get, path, null, RequestTimeout, ct);

    /// <summary>POST <paramref name="json"/> (or nothing) to <paramref name="path"/>; throws unless the answer is 2xx.</summary>
    public Task<ApiAnswer> PostAsync(string path, string? json, CancellationToken ct, TimeSpan? timeout = null) =>
        SendAsync(HttpMethod.Post, path, json, timeout ?? RequestTimeout, ct);

    /// <summary>
    /// GET a streaming answer: the headers must come within the request timeout, the body has no time limit.
    /// The caller disposes the response and reads its body with <see cref="ReadStreamAsync"/>'s error handling.
    /// </summary>
    public async Task<HttpResponseMessage> OpenStreamAsync(string path, CancellationToken ct)
    {
        using var headers = CancellationTokenSource.CreateLinkedTokenSource(ct);
        headers.CancelAfter(RequestTimeout);
        HttpResponseMessage? response = null;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, headers.Token);
            if (!response.IsSuccessStatusCode)
            {
                throw new OpsdRefusedException(await ToAnswerAsync(response, headers.Token), TokenSent, $"GET /{path}");
            }

            return response;
        }
        catch (Exception ex) when (Unreachable(ex, ct, RequestTimeout) is { } unreachable)
        {
            response?.Dispose();
            throw unreachable;
        }
        catch
        {
            response?.Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="read"/> over a stream's body, turning a lost connection into exit 3.</summary>
    public async Task ReadStreamAsync(Func<Task> read, CancellationToken ct)
    {
        try
        {
            await read();
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException && !ct.IsCancellationRequested)
        {
            throw new OpsdUnreachableException(BaseUrl, $"lost the connection ({ex.Message})");
        }
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    private async Task<ApiAnswer> SendAsync(HttpMethod method, string path, string? json, TimeSpan timeout, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            using var request = new HttpRequestMessage(method, path);
            if (json is not null)
            {
                request.Content = new StringContent(json, Encoding.UTF8, "application/json");
            }

            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, limit.Token);
            var answer = await ToAnswerAsync(response, limit.Token);
            return response.IsSuccessStatusCode ? answer : throw new OpsdRefusedException(answer, TokenSent, $"{method} /{path}");
        }
        catch (Exception ex) when (Unreachable(ex, ct, timeout) is { } unreachable)
        {
            throw unreachable;
        }
    }

    private static async Task<ApiAnswer> ToAnswerAsync(HttpResponseMessage response, CancellationToken ct) =>
        new((int)response.StatusCode, await response.Content.ReadAsStringAsync(ct), response.Content.Headers.ContentType?.MediaType);

    /// <summary>The exit-3 error for a transport failure or a timeout; null for anything else (including Ctrl+C).</summary>
    private OpsdUnreachableException? Unreachable(Exception ex, CancellationToken ct, TimeSpan timeout)
    {
        if (ct.IsCancellationRequested)
        {
            return null;
        }

        return ex switch
        {
            OperationCanceledException => new OpsdUnreachableException(BaseUrl, $"no answer within {timeout.TotalSeconds:0} s"),
            HttpRequestException { InnerException: SocketException socket } => new OpsdUnreachableException(BaseUrl, socket.Message),
            HttpRequestException http => new OpsdUnreachableException(BaseUrl, http.Message),
            IOException io => new OpsdUnreachableException(BaseUrl, $"lost the connection ({io.Message})"),
            _ => null,
        };
    }
}
