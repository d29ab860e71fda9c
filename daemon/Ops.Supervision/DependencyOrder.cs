namespace Ops.Supervision;

/// <summary>Start levels from DependsOn: level 0 depends on nothing, level n only on earlier levels.</summary>
/// <param name="Levels">Program names grouped by level, each level sorted by name; empty when there is a cycle.</param>
/// <param name="Cycle">Null, or the names of one cycle in order (a, b, a), for the error message.</param>
public sealed record DependencyOrderResult(IReadOnlyList<IReadOnlyList<string>> Levels, IReadOnlyList<string>? Cycle);
