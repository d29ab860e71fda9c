namespace Ops.Processes.Tests.Support;

/// <summary>Waits for a condition about real processes, which take a moment to start or die.</summary>
internal static class Eventually
{
    public static async Task<bool> TrueAsync(Func<bool> condition, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(10);
        }

        return true;
    }

    public static async Task<bool> TrueAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(10);
        }

        return true;
    }

    /// <summary>The pids in a worker's --pid-file once it holds <paramref name="count"/> of them.</summary>
    public static async Task<IReadOnlyList<int>> PidsAsync(string pidFile, int count, TimeSpan timeout)
    {
        IReadOnlyList<int> pids = [];
        bool complete = await TrueAsync(
            () =>
            {
                pids = ReadPids(pidFile);
                return pids.Count >= count;
            },
            timeout);
        Assert.True(complete, $"expected {count} pids in {pidFile}, found {pids.Count}");
        return pids;
    }

    public static IReadOnlyList<int> ReadPids(string pidFile) =>
        File.Exists(pidFile)
            ? [.. File.ReadAllLines(pidFile).Where(l => l.Length > 0).Select(l => int.Parse(l, System.Globalization.CultureInfo.InvariantCulture))]
            : [];
}
