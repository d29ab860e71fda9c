using System.Buffers;
using System.Text;

namespace Ops.Processes.Output;

/// <summary>
/// The values no output may show (passwords, API keys, tokens of the daemon's configuration), as one immutable set
/// that replaces each of them in a line with <see cref="Mask"/>. Lines are masked where they are split out of the
/// pipe, before they reach the tail, the files or a subscriber. A line without a secret costs one vectorized
/// multi-string search and comes back as the same string.
/// </summary>
internal sealed class OutputSecrets
{
    /// <summary>What a secret is replaced with (as in opsd's own events).</summary>
    public const string Mask = "***";

    /// <summary>
    /// The longest secret whose start a cut line holds back for its next piece (UTF-8 bytes): half a piece, so every
    /// piece still moves the line on. A longer secret is masked only where it lies inside one piece.
    /// </summary>
    public const int MaxHeldBackBytes = LineSplitter.MaxLineBytes / 2;

    // Longest first: where several secrets start at one place, the longest is the one masked.
    private readonly string[] _secrets;
    private readonly byte[][] _utf8;
    private readonly SearchValues<string>? _search;
    private readonly int _longestHeldBack;

    public OutputSecrets(IEnumerable<string> secrets)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        _secrets = [.. secrets.Where(s => !string.IsNullOrEmpty(s)).Distinct(StringComparer.Ordinal).OrderByDescending(s => s.Length).ThenBy(s => s, StringComparer.Ordinal)];
        _utf8 = [.. _secrets.Select(Encoding.UTF8.GetBytes).Where(b => b.Length <= MaxHeldBackBytes)];
        _search = _secrets.Length == 0 ? null : SearchValues.Create(_secrets, StringComparison.Ordinal);
        _longestHeldBack = _utf8.Length == 0 ? 0 : _utf8.Max(b => b.Length);
    }

    /// <summary>No secret: every line passes as it is.</summary>
    public static OutputSecrets None { get; } = new([]);

    /// <summary>
    /// <paramref name="line"/> with every secret replaced by <see cref="Mask"/>; the same string when it holds none.
    /// Overlapping secrets are masked as one range, so no part of either shows.
    /// </summary>
    public string Apply(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (_search is null)
        {
            return line;
        }

        int start = line.AsSpan().IndexOfAny(_search);
        if (start < 0)
        {
            return line;
        }

        var masked = new StringBuilder(line.Length);
        int copied = 0;
        int end = start + LongestAt(line, start);
        int scan = start + 1;
        while (true)
        {
            int next = IndexFrom(line, scan);
            if (next >= 0 && next < end)
            {
                end = Math.Max(end, next + LongestAt(line, next));
                scan = next + 1;
                continue;
            }

            masked.Append(line, copied, start - copied).Append(Mask);
            copied = end;
            if (next < 0)
            {
                break;
            }

            start = next;
            end = next + LongestAt(line, next);
            scan = next + 1;
        }

        return masked.Append(line, copied, line.Length - copied).ToString();
    }

    /// <summary>
    /// Bytes at the end of <paramref name="piece"/> (a line about to be cut) that could be the start of a secret:
    /// the cut goes before them, so the next piece holds the secret whole and it is masked there.
    /// </summary>
    public int HeldBack(ReadOnlySpan<byte> piece)
    {
        int from = Math.Max(0, piece.Length - _longestHeldBack + 1);
        for (int start = from; start < piece.Length; start++)
        {
            ReadOnlySpan<byte> tail = piece[start..];
            foreach (byte[] secret in _utf8)
            {
                if (secret.Length > tail.Length && secret.AsSpan().StartsWith(tail))
                {
                    return tail.Length;
                }
            }
        }

        return 0;
    }

    private int IndexFrom(string line, int from)
    {
        if (from >= line.Length)
        {
            return -1;
        }

        int found = line.AsSpan(from).IndexOfAny(_search!);
        return found < 0 ? -1 : from + found;
    }

    private int LongestAt(string line, int at)
    {
        ReadOnlySpan<char> rest = line.AsSpan(at);
        foreach (string secret in _secrets)
        {
            if (rest.StartsWith(secret, StringComparison.Ordinal))
            {
                return secret.Length;
            }
        }

        // Unreachable: the search found a secret here.
        return 0;
    }
}
