using System.CommandLine;
using Ops.Cli.Api;
using Ops.Cli.Output;

namespace Ops.Cli.CommandLine;

/// <summary>--url, --token and --json, accepted before or after any command, and the one place errors become exit codes.</summary>
public sealed class GlobalOptions
{
    /// <summary>Environment default for --url.</summary>
    public const string UrlVariable = "OPS_URL";

    /// <summary>Environment default for --token.</summary>
    public const string TokenVariable = "OPS_TOKEN";

    /// <summary>opsd's default listen address.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>Creates the options; <see cref="AddTo"/> puts them on the root command.</summary>
    public GlobalOptions()
    {
        // The environment is read in ResolveUrl/ResolveToken, not in a DefaultValueFactory, so --help never shows a token.
        Url = new Option<string?>("--url") { Description = $"opsd's base URL (default: ${UrlVariable}, else {DefaultUrl})", HelpName = "URL", Recursive = true };
        Token = new Option<string?>("--token") { Description = $"API token, sent as 'Authorization: Bearer' (default: ${TokenVariable})", HelpName = "T", Recursive = true };
        Json = new Option<bool>("--json") { Description = "Print opsd's JSON answer and nothing else on stdout", Recursive = true };
    }

    /// <summary>--url.</summary>
    public Option<string?> Url { get; }

    /// <summary>--token.</summary>
    public Option<string?> Token { get; }

    /// <summary>--json.</summary>
    public Option<bool> Json { get; }

    /// <summary>Adds the options to <paramref name="root"/> (recursive: valid on every command).</summary>
    public void AddTo(RootCommand root)
    {
        root.Options.Add(Url);
        root.Options.Add(Token);
        root.Options.Add(Json);
    }

    /// <summary>Runs a command's <paramref name="action"/> and maps every failure to its exit code and message.</summary>
    public async Task<int> RunAsync(ParseResult result, CancellationToken ct, Func<Session, Task<int>> action)
    {
        var terminal = new Terminal(result.GetValue(Json));
        try
        {
            using var client = new OpsClient(ResolveUrl(result), ResolveToken(result));
            return await action(new Session(client, terminal));
        }
        catch (UsageException ex)
        {
            terminal.Error($"opsctl: {ex.Message}");
            return ExitCodes.Usage;
        }
        catch (OpsdUnreachableException ex)
        {
            terminal.Error(ex.Message);
            return ExitCodes.Unreachable;
        }
        catch (OpsdRefusedException ex)
        {
            if (terminal.Json && ex.Answer.IsJson && ex.Answer.Body.Length > 0)
            {
                terminal.WriteJson(ex.Answer.Body);
            }

            terminal.Error(ex.Message);
            return ExitCodes.Failed;
        }
        catch (UnexpectedAnswerException ex)
        {
            terminal.Error(ex.Message);
            return ExitCodes.Failed;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return ExitCodes.Interrupted;
        }
    }

    private Uri ResolveUrl(ParseResult result)
    {
        var given = result.GetValue(Url);
        var (text, source) = given is not null
            ? (given, "--url")
            : Environment.GetEnvironmentVariable(UrlVariable) is { Length: > 0 } fromEnvironment
                ? (fromEnvironment, UrlVariable)
                : (DefaultUrl, "the default URL");

        return Uri.TryCreate(text, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
            ? url
            : throw new UsageException($"{source} '{text}' is not an http:// or https:// URL, e.g. {DefaultUrl}");
    }

    private string? ResolveToken(ParseResult result) =>
        result.GetValue(Token) is { Length: > 0 } given ? given : Environment.GetEnvironmentVariable(TokenVariable) is { Length: > 0 } env ? env : null;
}
