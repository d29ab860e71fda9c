using Ops.Cli.Output;

namespace Ops.Cli.Tests.Output;

/// <summary>Durations and exits as every command shows them.</summary>
public sealed class FormatsTests
{
    [Theory]
    [InlineData(0.35, "0.35s")]
    [InlineData(9.999, "10s")]
    [InlineData(12.7, "12s")]
    [InlineData(61, "1m1s")]
    [InlineData(3 * 3600 + 5 * 60 + 7, "3h5m")]
    [InlineData(2 * 86400 + 4 * 3600 + 1, "2d4h")]
    [InlineData(-3, "0s")]
    public void Duration_Seconds_TwoLargestUnits(double seconds, string expected)
    {
        Assert.Equal(expected, Formats.Duration(TimeSpan.FromSeconds(seconds)));
    }

    [Theory]
    [InlineData(3, null, "exit 3")]
    [InlineData(null, 9, "signal 9")]
    [InlineData(137, 9, "signal 9")]
    [InlineData(null, null, "-")]
    public void Exit_CodeOrSignal_SignalWins(int? code, int? signal, string expected)
    {
        Assert.Equal(expected, Formats.Exit(code, signal));
    }
}
