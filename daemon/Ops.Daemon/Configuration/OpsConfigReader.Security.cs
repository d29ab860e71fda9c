using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Ops.Daemon.Security;

namespace Ops.Daemon.Configuration;

public static partial class OpsConfigReader
{
    // \z, not $: $ also matches before a final newline, and a hash with one passed here, then failed to decode on
    // every request (HTTP 500 for everyone).
    [GeneratedRegex(@"^[0-9a-fA-F]{64}\z")]
    private static partial Regex Sha256Pattern();

    private static OpsSettings ReadSecurity(SectionReader ops, OpsSettings settings, List<ConfigError> errors)
    {
        var tokens = new List<TokenEntry>();
        var security = ops.Child("Security");
        var items = security?.Items("Tokens", "{ \"Name\": \"alice\", \"Sha256\": \"...\", \"Role\": \"Admin\" }") ?? [];
        security?.Finish();
        foreach (var item in items)
        {
            var r = security!.For(item);
            var name = r.RequiredString("Name", "name the token's holder, e.g. \"ci\" or \"alice\"");
            var hash = r.RequiredString("Sha256", "paste the Sha256 that `opsd token new` printed (never the token itself)");
            var role = r.Enum("Role", TokenRole.Viewer);
            if (hash is not null && !Sha256Pattern().IsMatch(hash))
            {
                r.Error("Sha256", hash.StartsWith(Tokens.Prefix, StringComparison.Ordinal)
                    ? "holds a token, not its hash: remove it from the file, and put the Sha256 from `opsd token new` here"
                    : "must be 64 hex digits (the SHA-256 `opsd token new` printed)");
            }

            r.Finish();
            if (name is not null && hash is not null && Sha256Pattern().IsMatch(hash))
            {
                if (tokens.Any(t => t.Name == name))
                {
                    errors.Add(new ConfigError(item.GetSection("Name").Path, $"'{name}' is used by another token; token names must be unique"));
                }

                tokens.Add(new TokenEntry(name, hash.ToLowerInvariant(), role));
            }
        }

        if (tokens.Count == 0)
        {
            foreach (var url in settings.Urls.Where(u => !IsLoopback(u)))
            {
                errors.Add(new ConfigError("Ops:Host:Urls", $"'{url}' listens beyond this machine but no token is configured; add one under Ops:Security:Tokens (`opsd token new --name NAME --role Admin` prints it) or listen on 127.0.0.1 only"));
            }
        }

        return settings with { Tokens = tokens };
    }

    /// <summary>True for 127.x, ::1 and localhost; false for wildcards and every other address or name.</summary>
    internal static bool IsLoopback(string url)
    {
        var host = url.Split("://", 2).Last().Split('/')[0];
        host = host.StartsWith('[') ? host[1..host.IndexOf(']', StringComparison.Ordinal)] : host.Split(':')[0];
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address));
    }

    /// <summary>The JSON entry to paste under Ops:Security:Tokens for a new token.</summary>
    internal static string TokenEntryJson(string name, string hash, TokenRole role) =>
        string.Create(CultureInfo.InvariantCulture, $"{{ \"Name\": \"{name}\", \"Sha256\": \"{hash}\", \"Role\": \"{role}\" }}");
}
