using System.Globalization;

namespace Ops.Processes.Cgroups;

public sealed partial class CgroupLeaf
{
    /// <summary>Reads what the leaf has used so far.</summary>
    public CgroupUsage ReadUsage()
    {
        CgroupControllerSource memory = _host.SourceOf("memory");
        string? memoryV1 = V1Paths.GetValueOrDefault("memory");
        (long? now, long? peak, long? oomKills) = memory switch
        {
            CgroupControllerSource.V2 => (
                CgroupFiles.TryReadNumber(ControlFile("memory.current")),
                CgroupFiles.TryReadNumber(ControlFile("memory.peak")),
                CgroupFiles.TryReadKey(ControlFile("memory.events"), "oom_kill")),
            CgroupControllerSource.V1 when memoryV1 is not null => (
                CgroupFiles.TryReadNumber(System.IO.Path.Combine(memoryV1, "memory.usage_in_bytes")),
                CgroupFiles.TryReadNumber(System.IO.Path.Combine(memoryV1, "memory.max_usage_in_bytes")),
                CgroupFiles.TryReadKey(System.IO.Path.Combine(memoryV1, "memory.oom_control"), "oom_kill")),
            _ => ((long?)null, (long?)null, (long?)null),
        };

        string? pidsDirectory = _host.SourceOf("pids") switch
        {
            CgroupControllerSource.V2 => Path,
            CgroupControllerSource.V1 => V1Paths.GetValueOrDefault("pids"),
            _ => null,
        };
        long? tasks = pidsDirectory is null ? null : CgroupFiles.TryReadNumber(System.IO.Path.Combine(pidsDirectory, "pids.current"));

        // cgroup2 keeps cpu.stat's usage_usec in every cgroup, controller enabled or not (this is the hybrid case too).
        long? usageMicroseconds = CgroupFiles.TryReadKey(ControlFile("cpu.stat"), "usage_usec");
        return new CgroupUsage(
            usageMicroseconds / 1e6,
            now,
            peak,
            tasks is { } count ? (int)count : Pids().Count,
            oomKills,
            ReadPressure(ControlFile("cpu.pressure")),
            ReadPressure(ControlFile("memory.pressure")),
            ReadPressure(ControlFile("io.pressure")));
    }

    private string ControlFile(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>"some avg10=0.00 avg60=0.00 avg300=0.00 total=0" and an optional "full ..." line.</summary>
    internal static CgroupPressure? ParsePressure(string text)
    {
        Dictionary<string, Dictionary<string, string>> lines = [];
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            lines[fields[0]] = fields.Skip(1).Select(f => f.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        }

        if (!lines.TryGetValue("some", out Dictionary<string, string>? some))
        {
            return null;
        }

        Dictionary<string, string>? full = lines.GetValueOrDefault("full");
        return new CgroupPressure(
            Percent(some, "avg10") ?? 0,
            Percent(some, "avg60") ?? 0,
            Percent(some, "avg300") ?? 0,
            Total(some) ?? TimeSpan.Zero,
            full is null ? null : Percent(full, "avg10"),
            full is null ? null : Percent(full, "avg60"),
            full is null ? null : Percent(full, "avg300"),
            full is null ? null : Total(full));

        static double? Percent(Dictionary<string, string> fields, string key) =>
            fields.TryGetValue(key, out string? value) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed) ? parsed : null;

        static TimeSpan? Total(Dictionary<string, string> fields) =>
            fields.TryGetValue("total", out string? value) && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long micros)
                ? TimeSpan.FromMicroseconds(micros)
                : null;
    }

    private static CgroupPressure? ReadPressure(string path) => CgroupFiles.TryRead(path) is { } text ? ParsePressure(text) : null;
}
