using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Ops.Supervision.Os;

namespace Ops.Processes.Output;

/// <summary>
/// The output of every supervised instance, kept per instance across restarts: the last lines of each stream in
/// memory (for <c>GET .../log</c> and failure reports), per-instance rotating files under the log directory, and
/// live subscriptions (for <c>tail -f</c> and shipping to Seq). One store per daemon, shared by the launcher and
/// the API. Thread-safe. Every line is masked (see <see cref="MaskSecrets"/>) before any of them holds it.
/// </summary>
public sealed class InstanceOutputStore : IDisposable
{
    /// <summary>Lines kept in memory per instance and stream.</summary>
    public const int TailCapacity = 1000;

    /// <summary>The longest line kept whole (UTF-8 bytes); longer lines are cut into pieces of this size.</summary>
    public const int MaxLineBytes = 16 * 1024;

    /// <summary>The default buffer of a subscription, in lines.</summary>
    public const int DefaultSubscriberCapacity = 1000;

    private readonly ConcurrentDictionary<LaunchOwner, InstanceOutput> _instances = new();
    private readonly SubscriberSet _subscribers = new();
    private readonly string _logDirectory;
    private readonly string _taskLogDirectory;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private OutputSecrets _secrets = OutputSecrets.None;

    /// <summary>
    /// Creates the store; files go to <see cref="ProcessOptions.LogDirectory"/> and, for task runs,
    /// <see cref="ProcessOptions.TaskLogDirectory"/> (created on first write).
    /// </summary>
    public InstanceOutputStore(ProcessOptions options, TimeProvider? timeProvider = null, ILogger<InstanceOutputStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.LogDirectory, "options.LogDirectory");
        _logDirectory = Path.GetFullPath(options.LogDirectory);
        _taskLogDirectory = string.IsNullOrWhiteSpace(options.TaskLogDirectory)
            ? Path.Combine(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(_logDirectory)) ?? _logDirectory, "tasks")
            : Path.GetFullPath(options.TaskLogDirectory);
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger<InstanceOutputStore>.Instance;
    }

    /// <summary>
    /// Replaces the values shown as *** in every line read from now on, wherever it is kept or served (the tail, the
    /// files, subscribers, task runs' stderr): the daemon's configured secrets, as plain strings. Lines read before
    /// stay as they were masked then.
    /// </summary>
    public void MaskSecrets(IEnumerable<string> secrets) => Volatile.Write(ref _secrets, new OutputSecrets(secrets));

    /// <summary>The last <paramref name="max"/> lines <paramref name="owner"/> printed on <paramref name="stream"/>, oldest first.</summary>
    public IReadOnlyList<OutputLine> Tail(LaunchOwner owner, OutputStream stream, int max) =>
        _instances.TryGetValue(owner, out InstanceOutput? output)
            ? output.Get(stream).Tail(max)
            : [];

    /// <summary>
    /// Live lines matching <paramref name="filter"/>, buffered up to <paramref name="capacity"/> lines (then dropped
    /// and counted for this subscriber only).
    /// </summary>
    public OutputSubscription Subscribe(OutputFilter filter, int capacity = DefaultSubscriberCapacity)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var subscription = new OutputSubscription(filter, capacity, [], _subscribers.Remove);
        _subscribers.Add(subscription);
        return subscription;
    }

    /// <summary>
    /// <c>tail -f</c>: the last <paramref name="backlog"/> lines in <see cref="OutputSubscription.Backlog"/>, then
    /// every new line, with neither a gap nor a duplicate between the two. Works before the instance ever ran.
    /// </summary>
    public OutputSubscription Follow(LaunchOwner owner, OutputStream stream, int backlog, int capacity = DefaultSubscriberCapacity)
    {
        ArgumentException.ThrowIfNullOrEmpty(owner.Name, nameof(owner));
        var filter = new OutputFilter(owner, stream);
        return GetOrCreate(owner).Get(stream).Follow(backlog, lines =>
        {
            var subscription = new OutputSubscription(filter, capacity, lines, _subscribers.Remove);
            _subscribers.Add(subscription);
            return subscription;
        });
    }

    /// <summary>
    /// The current file of a stream: <c>&lt;LogDirectory&gt;/&lt;program&gt;-&lt;instance&gt;.out.log</c> or
    /// <c>.err.log</c>; a task run's <c>&lt;TaskLogDirectory&gt;/&lt;task&gt;-&lt;slot&gt;.out.log</c>.
    /// </summary>
    public string GetLogFilePath(LaunchOwner owner, OutputStream stream) =>
        Path.Combine(
            owner.Kind == LaunchOwnerKind.Task ? _taskLogDirectory : _logDirectory,
            FormattableString.Invariant($"{owner.Name}-{owner.Index}.{(stream == OutputStream.Stderr ? "err" : "out")}.log"));

    /// <summary>Lines that could not be written to the files of <paramref name="owner"/> (disk full, permissions).</summary>
    public long LostFileLines(LaunchOwner owner) =>
        _instances.TryGetValue(owner, out InstanceOutput? output)
            ? (output.Stdout.File?.LostLines ?? 0) + (output.Stderr.File?.LostLines ?? 0)
            : 0;

    /// <summary>Drops the in-memory tail of an instance that no longer exists (program removed on reload); files stay.</summary>
    public void Forget(LaunchOwner owner)
    {
        if (_instances.TryRemove(owner, out InstanceOutput? output))
        {
            output.Stdout.File?.Close();
            output.Stderr.File?.Close();
        }
    }

    /// <summary>Closes every file and completes every subscription.</summary>
    public void Dispose()
    {
        foreach (InstanceOutput output in _instances.Values)
        {
            output.Stdout.File?.Close();
            output.Stderr.File?.Close();
        }

        _subscribers.CompleteAll();
    }

    /// <summary>The secrets in force now; pumps ask at every read.</summary>
    internal OutputSecrets Secrets() => Volatile.Read(ref _secrets);

    /// <summary>The channels of a supervised instance, created on first use.</summary>
    internal InstanceOutput GetOrCreate(LaunchOwner owner) =>
        _instances.GetOrAdd(owner, key => new InstanceOutput(
            CreateChannel(key, OutputStream.Stdout),
            CreateChannel(key, OutputStream.Stderr)));

    /// <summary>Memory-only channels for an unsupervised run (a health command): no file, no subscribers, not kept.</summary>
    internal InstanceOutput CreateDetached(LaunchOwner owner) => new(
        new OutputChannel(owner, OutputStream.Stdout, TailCapacity, _time, subscribers: null, file: null),
        new OutputChannel(owner, OutputStream.Stderr, TailCapacity, _time, subscribers: null, file: null));

    private OutputChannel CreateChannel(LaunchOwner owner, OutputStream stream)
    {
        var file = new RotatingLogFile(GetLogFilePath(owner, stream), Supervision.Specs.LogSpec.Default, _time, _logger);
        return new OutputChannel(owner, stream, TailCapacity, _time, _subscribers, file);
    }
}
