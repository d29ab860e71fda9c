namespace Ops.Daemon.Configuration;

/// <summary>
/// Finds the values in a configuration that must never reach a log: the Seq API key, the value of any key named
/// like a password, secret, token or API key (in program environments too), the password of a connection string and
/// the password in a URL's user info. The logging pipeline masks each of them wherever it shows up.
/// </summary>
public static class SecretScanner
{
    /// <summary>Shorter values are not masked: masking "on" or "1" everywhere would wreck every event and hide nothing.</summary>
    public const int MinimumLength = 4;

    /// <summary>A key whose name contains one of these (separators ignored) holds a secret...</summary>
    private static readonly string[] SecretWords = ["password", "passwd", "passphrase", "secret", "apikey", "credential"];

    /// <summary>...and so does one whose name ends with one of these (AccessToken, BOT_TOKEN; not TokenLifetime).</summary>
    private static readonly string[] SecretEndings = ["token", "pwd", "accesskey", "privatekey"];

    private static readonly string[] PasswordKeys = ["password", "pwd"];
    private static readonly string[] NotSecrets = ["true", "false", "null"];

    /// <summary>Every secret value in <paramref name="configuration"/>, longest first (so a longer one is masked whole).</summary>
    public static IReadOnlyList<string> Find(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in configuration.AsEnumerable())
        {
            if (string.IsNullOrEmpty(value))
            {
                continue;
            }

            var name = key[(key.LastIndexOf(':') + 1)..];
            if (IsSecretName(name))
            {
                Add(found, value);
            }

            foreach (var password in ConnectionStringPasswords(value))
            {
                Add(found, password);
            }

            if (UrlPassword(value) is { } urlPassword)
            {
                Add(found, urlPassword);
            }
        }

        return [.. found.OrderByDescending(s => s.Length).ThenBy(s => s, StringComparer.Ordinal)];
    }

    /// <summary>True for key names like ApiKey, API_KEY, DB_PASSWORD, ClientSecret, AccessToken, Pwd.</summary>
    public static bool IsSecretName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var plain = new string([.. name.Where(char.IsLetterOrDigit)]).ToLowerInvariant();
        return SecretWords.Any(word => plain.Contains(word, StringComparison.Ordinal))
            || SecretEndings.Any(ending => plain.EndsWith(ending, StringComparison.Ordinal));
    }

    /// <summary>The Password= (or Pwd=) parts of a "Key=Value;Key=Value" connection string; none for other text.</summary>
    public static IEnumerable<string> ConnectionStringPasswords(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!value.Contains('=', StringComparison.Ordinal))
        {
            yield break;
        }

        foreach (var part in value.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && PasswordKeys.Contains(part[..equals].Trim(), StringComparer.OrdinalIgnoreCase))
            {
                yield return part[(equals + 1)..].Trim().Trim('\'', '"');
            }
        }
    }

    /// <summary>The password of "scheme://user:password@host/..."; null when there is none.</summary>
    public static string? UrlPassword(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!value.Contains("://", StringComparison.Ordinal)
            || !Uri.TryCreate(value, UriKind.Absolute, out var uri)
            || string.IsNullOrEmpty(uri.UserInfo))
        {
            return null;
        }

        var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? null : Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
    }

    /// <summary>A URL fit for a message: any user info is replaced by ***.</summary>
    public static string WithoutUserInfo(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.UserInfo))
        {
            return url;
        }

        return new UriBuilder(uri) { UserName = "***", Password = string.Empty }.Uri.ToString();
    }

    private static void Add(HashSet<string> found, string value)
    {
        var trimmed = value.Trim();
        if (trimmed.Length >= MinimumLength && !NotSecrets.Contains(trimmed, StringComparer.OrdinalIgnoreCase))
        {
            found.Add(trimmed);
        }
    }
}
