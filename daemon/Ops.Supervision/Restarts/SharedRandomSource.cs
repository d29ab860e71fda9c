namespace Ops.Supervision.Restarts;

/// <summary>The production random source: <see cref="Random.Shared"/>, safe from any thread.</summary>
public sealed class SharedRandomSource : IRandomSource
{
    /// <summary>One instance is enough: it holds no state of its own.</summary>
    public static SharedRandomSource Instance { get; } = new();

    /// <inheritdoc/>
    public double NextDouble() => Random.Shared.NextDouble();
}
