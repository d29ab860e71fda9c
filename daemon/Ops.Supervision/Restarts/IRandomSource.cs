namespace Ops.Supervision.Restarts;

/// <summary>Where jitter comes from; injected so tests can pin it.</summary>
public interface IRandomSource
{
    /// <summary>A number in [0, 1).</summary>
    double NextDouble();
}
