namespace Ops.Cli.Api;

/// <summary>Something answered, but not as opsd does: a wrong --url, a proxy's error page, an incompatible version (exit 1).</summary>
public sealed class UnexpectedAnswerException(int status, string what)
    : Exception($"unexpected answer ({status}): {what}. Does --url point at opsd?");
