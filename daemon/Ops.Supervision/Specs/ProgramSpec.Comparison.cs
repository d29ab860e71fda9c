namespace Ops.Supervision.Specs;

/// <summary>
/// Structural comparison, for reload: the record's generated equality compares lists and dictionaries by reference,
/// so two specs read from the same file twice would never be equal.
/// </summary>
public sealed partial record ProgramSpec
{
    /// <summary>One shared empty list, so record equality (by reference for lists) sees the same one on both sides.</summary>
    private static readonly string[] NoCommand = [];

    /// <summary>True when <paramref name="other"/> configures this program identically in every field.</summary>
    public bool SameAs(ProgramSpec? other) => other is not null && DifferencesFrom(other).Count == 0;

    /// <summary>
    /// The names of the fields in which <paramref name="other"/> differs from this spec, in declaration order; empty
    /// when none does. Lists and maps are compared by content. SuccessExitCodes and DependsOn are sets (their order
    /// and repeats change nothing); Args and a health check's Command are argv, so their order counts.
    /// </summary>
    public IReadOnlyList<string> DifferencesFrom(ProgramSpec other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var differences = new List<string>();
        void Compare(bool same, string field)
        {
            if (!same)
            {
                differences.Add(field);
            }
        }

        // Keep one line per property: ProgramSpecComparisonTests fails when a property is missing here.
        Compare(string.Equals(Name, other.Name, StringComparison.Ordinal), nameof(Name));
        Compare(string.Equals(Command, other.Command, StringComparison.Ordinal), nameof(Command));
        Compare(Args.SequenceEqual(other.Args, StringComparer.Ordinal), nameof(Args));
        Compare(string.Equals(WorkingDirectory, other.WorkingDirectory, StringComparison.Ordinal), nameof(WorkingDirectory));
        Compare(SameMap(Environment, other.Environment), nameof(Environment));
        Compare(string.Equals(User, other.User, StringComparison.Ordinal), nameof(User));
        Compare(Instances == other.Instances, nameof(Instances));
        Compare(AutoStart == other.AutoStart, nameof(AutoStart));
        Compare(Restart == other.Restart, nameof(Restart));
        Compare(SuccessExitCodes.ToHashSet().SetEquals(other.SuccessExitCodes), nameof(SuccessExitCodes));
        Compare(StartSeconds == other.StartSeconds, nameof(StartSeconds));
        Compare(MaxRestarts == other.MaxRestarts, nameof(MaxRestarts));
        Compare(RestartWindow == other.RestartWindow, nameof(RestartWindow));
        Compare(Backoff == other.Backoff, nameof(Backoff));
        Compare(FatalRetryAfter == other.FatalRetryAfter, nameof(FatalRetryAfter));
        Compare(StopSignal == other.StopSignal, nameof(StopSignal));
        Compare(StopTimeout == other.StopTimeout, nameof(StopTimeout));
        Compare(MemoryLimitMB == other.MemoryLimitMB, nameof(MemoryLimitMB));
        Compare(DependsOn.ToHashSet(StringComparer.Ordinal).SetEquals(other.DependsOn), nameof(DependsOn));
        Compare(SameHealth(Health, other.Health), nameof(Health));
        Compare(Log == other.Log, nameof(Log));
        return differences;
    }

    private static bool SameMap(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count
        && a.OrderBy(kv => kv.Key, StringComparer.Ordinal).SequenceEqual(b.OrderBy(kv => kv.Key, StringComparer.Ordinal));

    private static bool SameHealth(HealthCheckSpec? a, HealthCheckSpec? b) =>
        (a, b) switch
        {
            (null, null) => true,
            (null, _) or (_, null) => false,

            // The record's own equality covers every field but the Command list; compare that by content.
            _ => a with { Command = NoCommand } == b with { Command = NoCommand } && a.Command.SequenceEqual(b.Command, StringComparer.Ordinal),
        };
}
