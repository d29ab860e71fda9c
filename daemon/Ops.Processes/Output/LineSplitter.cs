using System.Text;

namespace Ops.Processes.Output;

/// <summary>
/// Cuts a byte stream into lines: split on '\n', a trailing '\r' dropped, and a line longer than
/// <see cref="MaxLineBytes"/> cut into pieces (on a UTF-8 character boundary) so a child that never prints a line
/// break cannot make the daemon buffer without bound. Splitting bytes on '\n' is UTF-8 safe: the byte never occurs
/// inside a multi-byte character. Invalid UTF-8 decodes to U+FFFD. Every line is masked (<see cref="OutputSecrets"/>)
/// as it is emitted, whole: a secret split over two reads of the pipe is joined first, and a cut never goes through
/// the start of a secret.
/// </summary>
internal sealed class LineSplitter
{
    /// <summary>The longest line kept whole.</summary>
    public const int MaxLineBytes = InstanceOutputStore.MaxLineBytes;

    private readonly byte[] _pending = new byte[MaxLineBytes];
    private int _pendingLength;

    private OutputSecrets _secrets = OutputSecrets.None;

    /// <summary>
    /// Feeds <paramref name="data"/>; every line it completes is added to <paramref name="lines"/>, masked with
    /// <paramref name="secrets"/> (the set in force for this read: lines emitted from now on use it).
    /// </summary>
    public void Push(ReadOnlySpan<byte> data, List<string> lines, OutputSecrets? secrets = null)
    {
        ArgumentNullException.ThrowIfNull(lines);
        _secrets = secrets ?? OutputSecrets.None;
        while (!data.IsEmpty)
        {
            int newline = data.IndexOf((byte)'\n');
            ReadOnlySpan<byte> segment = newline >= 0 ? data[..newline] : data;
            Append(segment, lines);
            if (newline < 0)
            {
                return;
            }

            EmitLine(lines);
            data = data[(newline + 1)..];
        }
    }

    /// <summary>At end of stream: a last line without a line break is still a line.</summary>
    public void Flush(List<string> lines, OutputSecrets? secrets = null)
    {
        ArgumentNullException.ThrowIfNull(lines);
        _secrets = secrets ?? OutputSecrets.None;
        if (_pendingLength > 0)
        {
            EmitLine(lines);
        }
    }

    private void Append(ReadOnlySpan<byte> segment, List<string> lines)
    {
        while (!segment.IsEmpty)
        {
            int room = MaxLineBytes - _pendingLength;
            int take = Math.Min(room, segment.Length);
            segment[..take].CopyTo(_pending.AsSpan(_pendingLength));
            _pendingLength += take;
            segment = segment[take..];
            if (_pendingLength == MaxLineBytes)
            {
                EmitPiece(lines);
            }
        }
    }

    /// <summary>
    /// Emits a full buffer as a piece, keeping for the next piece an incomplete trailing UTF-8 character and what may
    /// be the start of a secret (which starts on a character boundary, being UTF-8 itself).
    /// </summary>
    private void EmitPiece(List<string> lines)
    {
        ReadOnlySpan<byte> full = _pending.AsSpan(0, _pendingLength);
        int cut = Math.Min(Utf8Boundary(full), _pendingLength - _secrets.HeldBack(full));
        lines.Add(_secrets.Apply(Encoding.UTF8.GetString(_pending, 0, cut)));
        int rest = _pendingLength - cut;
        _pending.AsSpan(cut, rest).CopyTo(_pending);
        _pendingLength = rest;
    }

    private void EmitLine(List<string> lines)
    {
        int length = _pendingLength;
        if (length > 0 && _pending[length - 1] == (byte)'\r')
        {
            length--;
        }

        lines.Add(_secrets.Apply(Encoding.UTF8.GetString(_pending, 0, length)));
        _pendingLength = 0;
    }

    /// <summary>The largest prefix length that does not end inside a multi-byte character.</summary>
    private static int Utf8Boundary(ReadOnlySpan<byte> bytes)
    {
        // Walk back over at most 3 continuation bytes (10xxxxxx) to the lead byte of the last character.
        int lead = bytes.Length - 1;
        while (lead > 0 && bytes.Length - lead < 4 && (bytes[lead] & 0xC0) == 0x80)
        {
            lead--;
        }

        int expected = bytes[lead] switch
        {
            >= 0xF0 => 4,
            >= 0xE0 => 3,
            >= 0xC0 => 2,
            _ => 1,
        };

        // A complete last character (or invalid bytes, which decode to U+FFFD anyway) keeps the whole buffer.
        return bytes.Length - lead >= expected ? bytes.Length : lead;
    }
}
