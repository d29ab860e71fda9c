using System.Diagnostics;
using System.Reflection;
using Xunit.Sdk;

namespace Ops.Daemon.Tests.Support;

/// <summary>
/// Fails each test of the class that leaves a process running: everything the test process starts while the test
/// runs (opsd, opsctl, a shell, and whatever they start, setsid'd or daemonised ones included) inherits the test's
/// marker in its environment, and after the test any live process carrying it is named in the failure, then killed.
/// An <see cref="Opsd"/> whose shutdown left processes reports them here too, so the failure joins the test's own
/// instead of replacing it.
/// </summary>
/// <remarks>
/// The marker lives in the test process's environment, so guarded tests must not overlap: put the class in
/// <see cref="DaemonCollection"/>, which runs alone. An overlap fails the test rather than misattributing a leak.
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Method, AllowMultiple = false)]
public sealed class ProcessLeakGuardAttribute : BeforeAfterTestAttribute
{
    /// <inheritdoc/>
    public override void Before(MethodInfo methodUnderTest) =>
        ProcessLeakScope.Begin($"{methodUnderTest.DeclaringType?.Name}.{methodUnderTest.Name}");

    /// <inheritdoc/>
    public override void After(MethodInfo methodUnderTest) => ProcessLeakScope.Current?.End();
}

/// <summary>One test's claim that it leaves no process behind: a marker its processes inherit, and the leaks found.</summary>
internal sealed class ProcessLeakScope
{
    /// <summary>The variable every process started during a guarded test inherits.</summary>
    public const string Variable = "OPS_TEST_CASE";

    /// <summary>
    /// How long a process the test killed at its very end may take to be reaped: after it, a live carrier is a leak.
    /// </summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(1);

    private static readonly Lock Gate = new();
    private static ProcessLeakScope? ActiveScope;
    private readonly List<string> _reported = [];

    private ProcessLeakScope(string test)
    {
        Test = test;
        Marker = Guid.NewGuid().ToString("N");
    }

    /// <summary>The running guarded test's scope, if one runs.</summary>
    public static ProcessLeakScope? Current
    {
        get
        {
            lock (Gate)
            {
                return ActiveScope;
            }
        }
    }

    public string Test { get; }

    public string Marker { get; }

    /// <summary>Starts guarding <paramref name="test"/>: processes started from now on carry its marker.</summary>
    /// <exception cref="InvalidOperationException">Another guarded test is running.</exception>
    public static ProcessLeakScope Begin(string test)
    {
        lock (Gate)
        {
            if (ActiveScope is { } other)
            {
                throw new InvalidOperationException($"{test} began while {other.Test} runs: guarded tests must not overlap (put the class in the '{DaemonCollection.Name}' collection)");
            }

            ActiveScope = new ProcessLeakScope(test);
            Environment.SetEnvironmentVariable(Variable, ActiveScope.Marker);
            return ActiveScope;
        }
    }

    /// <summary>
    /// Records a leak found elsewhere (an <see cref="Opsd"/>'s shutdown) for the current test; throws it when no
    /// guarded test runs, so a leak is never only logged.
    /// </summary>
    /// <exception cref="InvalidOperationException">No guarded test runs to carry the failure.</exception>
    public static void Report(string leak)
    {
        if (Current is not { } scope)
        {
            throw new InvalidOperationException(leak);
        }

        lock (scope._reported)
        {
            scope._reported.Add(leak);
        }
    }

    /// <summary>
    /// Ends the test: fails naming every reported leak and every live process carrying the marker, which it kills.
    /// </summary>
    /// <exception cref="InvalidOperationException">The test left processes running.</exception>
    public void End()
    {
        lock (Gate)
        {
            if (ReferenceEquals(ActiveScope, this))
            {
                ActiveScope = null;
                Environment.SetEnvironmentVariable(Variable, null);
            }
        }

        var left = Carriers();
        var clock = Stopwatch.StartNew();
        while (left.Count > 0 && clock.Elapsed < Settle)
        {
            Thread.Sleep(20);
            left = Carriers();
        }

        var described = left.Select(ProcessTable.Describe).ToList();
        ProcessTable.Kill(left);

        List<string> failures;
        lock (_reported)
        {
            failures = [.. _reported];
        }

        if (described.Count > 0)
        {
            failures.Add($"{described.Count} process(es) started during the test still ran {Settle.TotalSeconds:0} s after it (killed now):\n  {string.Join("\n  ", described)}");
        }

        if (failures.Count > 0)
        {
            throw new InvalidOperationException($"{Test} left processes behind:\n{string.Join("\n", failures)}");
        }
    }

    private List<int> Carriers() => [.. ProcessTable.WithVariable(Variable, Marker)];
}
