using System.Globalization;
using System.Text;

namespace Ops.Daemon.Configuration;

/// <summary>One problem in the configuration, with the full key path and what to do about it.</summary>
/// <param name="Path">The key path, e.g. "Ops:Programs:web:StopTimeout".</param>
/// <param name="Message">What is wrong and how to fix it.</param>
public sealed record ConfigError(string Path, string Message)
{
    /// <summary>The key path, control characters escaped.</summary>
    public string Path { get; init; } = Printable(Path);

    /// <summary>What is wrong and how to fix it, control characters escaped.</summary>
    public string Message { get; init; } = Printable(Message);

    /// <inheritdoc/>
    public override string ToString() => $"{Path}: {Message}";

    /// <summary>
    /// Keys and values from the file are echoed in errors: a newline in one would split its error over two lines
    /// (the second without a key path), and a NUL or an escape sequence would reach the operator's terminal.
    /// </summary>
    internal static string Printable(string text)
    {
        if (!text.Any(NeedsEscape))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            builder.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\0' => "\\0",
                _ when NeedsEscape(c) => string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"),
                _ => c.ToString(),
            });
        }

        return builder.ToString();
    }

    private static bool NeedsEscape(char c) => char.IsControl(c) || c is '\u2028' or '\u2029' or '\u0085';
}
