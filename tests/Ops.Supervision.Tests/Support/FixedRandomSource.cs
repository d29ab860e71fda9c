using Ops.Supervision.Restarts;

namespace Ops.Supervision.Tests.Support;

/// <summary>Always the same "random" number; 0.5 means no jitter at all.</summary>
internal sealed class FixedRandomSource(double value = 0.5) : IRandomSource
{
    public double Value { get; set; } = value;

    public double NextDouble() => Value;
}
