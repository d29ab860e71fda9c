using Ops.Cli.Api;
using Ops.Cli.Output;

namespace Ops.Cli.CommandLine;

/// <summary>What every command works with: the daemon's client and the terminal.</summary>
public sealed class Session(OpsClient client, Terminal terminal)
{
    /// <summary>The daemon.</summary>
    public OpsClient Client { get; } = client;

    /// <summary>Stdout and stderr.</summary>
    public Terminal Terminal { get; } = terminal;

    /// <summary>--json was given.</summary>
    public bool Json => Terminal.Json;
}
