namespace Ops.Benchmarks.Scenarios;

/// <summary>One benchmark scenario: runs its contenders in one go and returns its report as markdown.</summary>
internal interface IScenario
{
    /// <summary>The command-line name, also the report's file name.</summary>
    string Name { get; }

    /// <summary>The most it may take; past it, it is cancelled and reported as failed.</summary>
    TimeSpan Limit { get; }

    Task<string> RunAsync(BenchContext context, CancellationToken cancellationToken);
}
