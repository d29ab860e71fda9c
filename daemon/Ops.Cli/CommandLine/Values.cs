using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Ops.Cli.CommandLine;

/// <summary>Parsers and validators for option and argument values, so that a bad value is a usage error (exit 2).</summary>
public static partial class Values
{
    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>; the error names the option.</summary>
    public static Func<ArgumentResult, int?> Int(string option, int min, int max) => result =>
    {
        if (result.Tokens.Count == 0)
        {
            return null;
        }

        var text = result.Tokens[^1].Value;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            result.AddError($"{option} must be a whole number from {min} to {max}, not '{text}'");
            return null;
        }

        return value;
    };

    /// <summary>
    /// Checks a program target: <c>web</c>, <c>web:1</c>, or <c>all</c> when <paramref name="allowAll"/>. Program
    /// names are <c>[a-z0-9][a-z0-9_-]*</c> (DESIGN.md), so a mistyped option never reaches opsd as a name.
    /// </summary>
    public static Action<ArgumentResult> Target(bool allowAll) => result =>
    {
        foreach (var token in result.Tokens)
        {
            if (!TargetPattern().IsMatch(token.Value) || (token.Value == "all" && !allowAll))
            {
                result.AddError(allowAll
                    ? $"'{token.Value}' is not a program (web), an instance (web:1) or all"
                    : $"'{token.Value}' is not a program (web) or an instance (web:1)");
            }
        }
    };

    // \z, not $: $ also matches before a final newline.
    [GeneratedRegex(@"^[a-z0-9][a-z0-9_-]*(:[0-9]+)?\z")]
    private static partial Regex TargetPattern();
}
