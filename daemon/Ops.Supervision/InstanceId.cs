using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Ops.Supervision;

/// <summary>
/// One instance of a program: <c>web:1</c> is instance 1 (0-based) of program <c>web</c>. The only place that text
/// is parsed and printed. The grammar is DESIGN.md's: a program name (<c>[a-z0-9][a-z0-9_-]*</c>), one colon, and
/// the index in ASCII digits (leading zeros allowed, as they always were; no sign, no spaces, within int).
/// </summary>
public readonly record struct InstanceId
{
    /// <summary>Separates the program from the index; program names never contain it.</summary>
    public const char Separator = ':';

    /// <summary>Creates the id of instance <paramref name="index"/> of <paramref name="program"/>.</summary>
    /// <exception cref="ArgumentException">The program is not a name by DESIGN.md's rule.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The index is negative.</exception>
    public InstanceId(string program, int index)
    {
        if (!IsProgramName(program))
        {
            throw new ArgumentException($"'{program}' is not a program name ([a-z0-9][a-z0-9_-]*)", nameof(program));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(index);
        Program = program;
        Index = index;
    }

    /// <summary>The program name.</summary>
    public string Program { get; }

    /// <summary>The 0-based instance number.</summary>
    public int Index { get; }

    /// <summary>True when <paramref name="text"/> follows DESIGN.md's name rule, <c>[a-z0-9][a-z0-9_-]*</c>.</summary>
    public static bool IsProgramName([NotNullWhen(true)] string? text) => text is not null && IsProgramName(text.AsSpan());

    /// <summary>Parses <c>web:1</c>.</summary>
    /// <exception cref="FormatException">The text is not <c>program:index</c>; the message says why.</exception>
    public static InstanceId Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var id)
            ? id
            : throw new FormatException($"'{text}' is not an instance: expected program:index, e.g. web:0");
    }

    /// <summary>Parses <c>web:1</c>; false for anything else (a bare program, a bad index, null).</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out InstanceId id)
    {
        id = default;
        if (text is null)
        {
            return false;
        }

        var colon = text.IndexOf(Separator, StringComparison.Ordinal);
        if (colon < 0 || !IsProgramName(text.AsSpan(0, colon)) || !TryParseIndex(text.AsSpan(colon + 1), out var index))
        {
            return false;
        }

        id = new InstanceId(text[..colon], index);
        return true;
    }

    /// <summary>
    /// The program part of an operator's target (<c>web</c> or <c>web:1</c>), for messages about a target that names
    /// no instance: the text before its last colon, or all of it without one. (<c>web:0:0</c> thus names a program
    /// <c>web:0</c>, which cannot exist, and the answer says so, as it always did.)
    /// </summary>
    public static string ProgramPart(string target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var colon = target.LastIndexOf(Separator);
        return colon < 0 ? target : target[..colon];
    }

    /// <summary>"web:1".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Program}{Separator}{Index}");

    private static bool IsProgramName(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty || !(char.IsAsciiLetterLower(text[0]) || char.IsAsciiDigit(text[0])))
        {
            return false;
        }

        foreach (var c in text[1..])
        {
            if (!(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool TryParseIndex(ReadOnlySpan<char> text, out int index)
    {
        index = 0;
        if (text.IsEmpty)
        {
            return false;
        }

        foreach (var c in text)
        {
            // The rule is spelled out rather than left to what int.TryParse happens to accept (signs, spaces, cultures).
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out index);
    }
}
