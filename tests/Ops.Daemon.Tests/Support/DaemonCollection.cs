namespace Ops.Daemon.Tests.Support;

/// <summary>
/// Tests that start real opsd processes run one at a time: on a 2-core machine, parallel daemons each spawning
/// .NET children would turn timing margins into noise.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DaemonCollection
{
    public const string Name = "opsd processes";
}
