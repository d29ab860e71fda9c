namespace Ops.Daemon.Security;

/// <summary>
/// Where the login may send a browser afterwards: a path of the console on this daemon, or else the console's
/// home. An allow-list, because browsers read far more as "another host" than a check for <c>//</c> can catch:
/// a tab or newline is dropped from <c>/&lt;TAB&gt;/evil</c>, a backslash counts as a slash, and a value with
/// CR LF would not even fit in a Location header.
/// </summary>
internal static class ReturnUrl
{
    /// <summary>Longer values are not a path anyone clicked to; they go home.</summary>
    public const int MaxLength = 2048;

    /// <summary><paramref name="candidate"/> when it is a safe console path, else <see cref="AccessPolicy.ConsolePath"/>.</summary>
    public static string Local(string? candidate) => IsConsolePath(candidate) ? candidate! : AccessPolicy.ConsolePath;

    private static bool IsConsolePath(string? candidate)
    {
        if (string.IsNullOrEmpty(candidate) || candidate.Length > MaxLength || !IsPlainPath(candidate))
        {
            return false;
        }

        // A percent-encoded slash, backslash or dot segment is what a browser or proxy may decode later:
        // the decoded form must pass the same test (decoding twice covers %25-encoded ones too).
        var once = Uri.UnescapeDataString(candidate);
        var twice = Uri.UnescapeDataString(once);
        return IsPlainPath(once) && IsPlainPath(twice) && !HasDotSegment(twice) && UnderConsole(twice) && UnderConsole(candidate);
    }

    /// <summary>Printable ASCII without spaces or backslashes, starting with one slash and not two.</summary>
    private static bool IsPlainPath(string value) =>
        value.Length > 0
        && value[0] == '/'
        && (value.Length == 1 || value[1] is not ('/' or '\\'))
        && value.All(c => c is > ' ' and < '\x7f' and not '\\');

    private static bool UnderConsole(string value)
    {
        var console = AccessPolicy.ConsolePath;
        if (!value.StartsWith(console, StringComparison.Ordinal))
        {
            return false;
        }

        return value.Length == console.Length || value[console.Length] is '/' or '?' or '#';
    }

    private static bool HasDotSegment(string value)
    {
        var path = value.Split('?', '#')[0];
        return path.Split('/').Any(segment => segment is "." or "..");
    }
}
