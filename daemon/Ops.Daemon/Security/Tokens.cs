using System.Security.Cryptography;
using System.Text;

namespace Ops.Daemon.Security;

/// <summary>Making and checking tokens. Only hashes are stored or compared; comparisons take constant time.</summary>
public static class Tokens
{
    /// <summary>Every token starts with this, so a leaked one is easy to recognise in a scan.</summary>
    public const string Prefix = "ops_";

    /// <summary>A new random token (256 bits).</summary>
    public static string New() => Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));

    /// <summary>Lowercase hex SHA-256 of the token's UTF-8 bytes, as written in the config.</summary>
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>The entry whose hash matches <paramref name="token"/>, or null.</summary>
    public static TokenEntry? Find(IReadOnlyList<TokenEntry> entries, string token)
    {
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        TokenEntry? match = null;
        foreach (var entry in entries)
        {
            // Check every entry, in constant time each, so timing tells nothing about which one matched.
            if (CryptographicOperations.FixedTimeEquals(presented, Convert.FromHexString(entry.Sha256)))
            {
                match = entry;
            }
        }

        return match;
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
