using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;
using Ops.Daemon.Logging;
using Ops.Processes.Output;
using Ops.Supervision;

using Ops.Supervision.Reloading;

namespace Ops.Daemon.Configuration;

/// <summary>What a reload request came to.</summary>
internal enum ReloadStatus
{
    /// <summary>The file has errors: nothing changed.</summary>
    Invalid,

    /// <summary>A dry run: the diff, nothing changed.</summary>
    Planned,

    /// <summary>The programs of the file run now.</summary>
    Applied,

    /// <summary>The supervisor could not take it (the daemon is stopping).</summary>
    Refused,
}

/// <summary>The answer to one reload request.</summary>
/// <param name="Status">What happened.</param>
/// <param name="ConfigPath">The file that was read.</param>
/// <param name="Plan">The program diff; null when the file is invalid.</param>
/// <param name="Errors">Every error of an invalid file, each with its key path.</param>
/// <param name="RestartRequired">Key paths of changes that only take effect when opsd restarts (they are not applied).</param>
/// <param name="Warnings">Consequences of the new programs an operator should know about.</param>
/// <param name="Refusal">Why the supervisor refused, for <see cref="ReloadStatus.Refused"/>.</param>
internal sealed record ReloadOutcome(
    ReloadStatus Status,
    string ConfigPath,
    ReloadPlan? Plan,
    IReadOnlyList<ConfigError> Errors,
    IReadOnlyList<string> RestartRequired,
    IReadOnlyList<string> Warnings,
    string? Refusal = null);

/// <summary>
/// Configuration reload: re-reads the file opsd was started with (plus OPS__ environment overrides), validates it
/// with the same reader as start-up, and applies its Programs through the supervisor. Every other section is only
/// compared with what opsd started with and reported as "restart required", never silently ignored. Triggered by
/// POST /api/v1/reload and by SIGHUP.
/// </summary>
/// <remarks>
/// A reload changes no settings object: <paramref name="started"/> is the snapshot opsd started with, which every
/// other service holds and which stays as it is; the new snapshot's programs go to the supervisor, which owns what
/// runs. One reload at a time: the load, the diff against <see cref="ISupervisor.Programs"/> and the apply happen
/// under one gate, so a reload always diffs against what the one before it left running.
/// </remarks>
internal sealed partial class ConfigReloader(
    OpsSettings started,
    IConfiguration running,
    ISupervisor supervisor,
    InstanceOutputStore output,
    SecretMasker masker,
    IOptions<HostOptions> host,
    ILogger<ConfigReloader> logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>The programs opsd started with: Seq shipping subscribed to those, with their Log settings, once.</summary>
    private readonly Dictionary<string, ProgramEntry> _shipped = started.ProgramEntries.ToDictionary(p => p.Spec.Name, StringComparer.Ordinal);

    /// <summary>Reads, validates and diffs the config file; applies its Programs unless <paramref name="dryRun"/>.</summary>
    /// <param name="dryRun">Only answer the diff.</param>
    /// <param name="trigger">"HTTP" or "SIGHUP", for the log.</param>
    /// <param name="cancellationToken">Stops waiting for an earlier reload; a reload under way is always finished.</param>
    public async Task<ReloadOutcome> ReloadAsync(bool dryRun, string trigger, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var outcome = await ReloadOnceAsync(dryRun);
            Log(outcome, trigger);
            return outcome;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>SIGHUP reloads, as it does for most Unix daemons; the diff or the errors go to the log.</summary>
    /// <returns>The registration, to dispose when opsd stops; null where there is no SIGHUP (Windows).</returns>
    public IDisposable? ListenForHangup(CancellationToken stopping)
    {
        if (OperatingSystem.IsWindows())
        {
            return null;
        }

        return PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            // Without this the default action of SIGHUP ends the process.
            context.Cancel = true;
            _ = Task.Run(() => ReloadOnHangupAsync(stopping), CancellationToken.None);
        });
    }

    private async Task ReloadOnHangupAsync(CancellationToken stopping)
    {
        try
        {
            LogHangup(logger, started.ConfigPath);
            await ReloadAsync(dryRun: false, "SIGHUP", stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // A reload by signal has no caller to hear about a failure: the log is the answer.
            LogFailed(logger, "SIGHUP", started.ConfigPath, ex);
        }
    }

    private async Task<ReloadOutcome> ReloadOnceAsync(bool dryRun)
    {
        var load = ConfigLoad.Load(started.ConfigPath);
        var path = load.Path;
        if (!load.IsValid)
        {
            return new ReloadOutcome(ReloadStatus.Invalid, path, null, load.Errors, [], []);
        }

        var (configuration, next) = (load.Configuration, load.Settings);

        // Against what the supervisor runs, not against the file as it was: that is what the reload changes.
        var plan = ReloadPlan.Diff(supervisor.Programs, next.Programs);
        var restartRequired = RestartRequired(configuration, next);
        var warnings = Warnings(next);
        if (dryRun)
        {
            return new ReloadOutcome(ReloadStatus.Planned, path, plan, [], restartRequired, warnings);
        }

        // Before any changed program restarts, so its first line is masked already. Secrets of earlier configs stay
        // masked: a value once configured as a secret is no less secret for having been changed.
        // One set for both: the log's masker keeps every secret so far, and the output store masks the same.
        masker.Add(next.Secrets);
        output.MaskSecrets(masker.Secrets);

        ReloadResult result;
        try
        {
            // Not cancellable: once begun, a reload is carried out.
            result = await supervisor.ReloadAsync(next.Programs, CancellationToken.None);
        }
        catch (InvalidOperationException ex)
        {
            return new ReloadOutcome(ReloadStatus.Refused, path, plan, [], restartRequired, warnings, ex.Message);
        }

        foreach (var dropped in result.Dropped)
        {
            output.Forget(dropped);
        }

        return new ReloadOutcome(ReloadStatus.Applied, path, result.Plan, [], restartRequired, warnings);
    }

    /// <summary>
    /// Sections of Ops other than Programs that differ from what opsd runs with (compared key by key, environment
    /// overrides included), plus the per-program Seq settings the running log shipper cannot pick up.
    /// </summary>
    private List<string> RestartRequired(IConfiguration next, OpsSettings nextSettings)
    {
        var sections = running.GetSection("Ops").GetChildren().Select(s => s.Key)
            .Concat(next.GetSection("Ops").GetChildren().Select(s => s.Key))
            .Where(key => !key.Equals("Programs", StringComparison.OrdinalIgnoreCase))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Order(StringComparer.OrdinalIgnoreCase);
        var required = sections
            .Where(key => !SameSection(running.GetSection("Ops").GetSection(key), next.GetSection("Ops").GetSection(key)))
            .Select(key => $"Ops:{key}")
            .ToList();

        // Child output is subscribed for Seq once, at start: new instances and changed Log settings wait for a restart.
        if (started.Seq is not null)
        {
            foreach (var (program, now) in nextSettings.ProgramEntries)
            {
                var ships = now.ToSeq && (now.Stdout is not null || now.Stderr is not null);
                var stale = _shipped.TryGetValue(program.Name, out var then)
                    ? then.Log != now || (ships && program.Instances > then.Spec.Instances)
                    : ships;
                if (stale)
                {
                    required.Add($"Ops:Programs:{program.Name}:Log");
                }
            }
        }

        return required;
    }

    private static bool SameSection(IConfigurationSection a, IConfigurationSection b)
    {
        var left = Flatten(a);
        var right = Flatten(b);
        return left.Count == right.Count
            && left.All(kv => right.TryGetValue(kv.Key, out var value) && string.Equals(value, kv.Value, StringComparison.Ordinal));
    }

    /// <summary>Every leaf under <paramref name="section"/> by relative key (configuration keys ignore case).</summary>
    private static Dictionary<string, string> Flatten(IConfigurationSection section) =>
        section.AsEnumerable(makePathsRelative: true)
            .Where(kv => kv.Value is not null)
            .ToDictionary(kv => kv.Key, kv => kv.Value!, StringComparer.OrdinalIgnoreCase);

    private List<string> Warnings(OpsSettings next)
    {
        var warnings = new List<string>();

        // The host's shutdown timeout was fixed at start from the programs' StopTimeouts (and the unit's TimeoutStopSec with it).
        var needed = ShutdownBudget.Of(next.Programs, started.Tasks).HostShutdownTimeout;
        var current = host.Value.ShutdownTimeout;
        if (needed > current)
        {
            warnings.Add(
                $"the programs now need up to {Duration.Format(needed)} to stop (StopTimeout per dependency level, plus a margin), but opsd waits at most {Duration.Format(current)} when it stops, as computed at start: restart opsd, and re-run `opsd service install` so that systemd's TimeoutStopSec follows");
        }

        return warnings;
    }

    private void Log(ReloadOutcome outcome, string trigger)
    {
        switch (outcome.Status)
        {
            case ReloadStatus.Invalid:
                LogInvalid(logger, trigger, outcome.ConfigPath, outcome.Errors.Count, [.. outcome.Errors.Select(e => e.ToString())]);
                break;
            case ReloadStatus.Refused:
                LogRefused(logger, trigger, outcome.ConfigPath, outcome.Refusal);
                break;
            case ReloadStatus.Applied:
                var plan = outcome.Plan!;
                LogApplied(logger, trigger, outcome.ConfigPath, plan.Added, plan.Removed, plan.Changed, plan.Unchanged);
                break;
        }

        if (outcome.Status == ReloadStatus.Applied && outcome.RestartRequired.Count > 0)
        {
            LogRestartRequired(logger, outcome.RestartRequired);
        }

        foreach (var warning in outcome.Status == ReloadStatus.Applied ? outcome.Warnings : [])
        {
            LogWarning(logger, warning);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "SIGHUP: reloading {ConfigPath}")]
    private static partial void LogHangup(ILogger logger, string? configPath);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Reloaded {ConfigPath} ({Trigger}): added {Added}, removed {Removed}, changed {Changed}, unchanged {Unchanged}")]
    private static partial void LogApplied(
        ILogger logger, string trigger, string configPath, IReadOnlyList<string> added, IReadOnlyList<string> removed, IReadOnlyList<string> changed, IReadOnlyList<string> unchanged);

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Reload ({Trigger}) refused: {ConfigPath} has {ErrorCount} error(s); the running configuration stays as it is: {Errors}")]
    private static partial void LogInvalid(ILogger logger, string trigger, string configPath, int errorCount, IReadOnlyList<string> errors);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reload ({Trigger}) of {ConfigPath} not applied: {Reason}")]
    private static partial void LogRefused(ILogger logger, string trigger, string configPath, string? reason);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Reload applied the programs only; these changes take effect when opsd restarts: {RestartRequired}")]
    private static partial void LogRestartRequired(ILogger logger, IReadOnlyList<string> restartRequired);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reload: {Warning}")]
    private static partial void LogWarning(ILogger logger, string warning);

    [LoggerMessage(Level = LogLevel.Error, Message = "Reload ({Trigger}) of {ConfigPath} failed")]
    private static partial void LogFailed(ILogger logger, string trigger, string? configPath, Exception exception);
}
