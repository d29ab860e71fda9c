namespace Ops.Jobs.Specs;

/// <summary>The configured tasks and queues, looked up by name by the job adapter, the filters and the API.</summary>
public sealed class TaskCatalog
{
    private readonly Dictionary<string, TaskSpec> _tasks;
    private readonly Dictionary<string, QueueSpec> _queues;

    /// <summary>Creates the catalog; the default queue is added when not declared.</summary>
    public TaskCatalog(IEnumerable<TaskSpec> tasks, IEnumerable<QueueSpec> queues)
    {
        _tasks = tasks.ToDictionary(t => t.Name, StringComparer.Ordinal);
        _queues = queues.ToDictionary(q => q.Name, StringComparer.Ordinal);
        _queues.TryAdd(QueueSpec.DefaultName, new QueueSpec(QueueSpec.DefaultName, QueueSpec.DefaultWorkers, QueueSpec.DefaultCapacity));
    }

    public IReadOnlyCollection<TaskSpec> Tasks => _tasks.Values;

    /// <summary>Queues in name order.</summary>
    public IReadOnlyList<QueueSpec> Queues => [.. _queues.Values.OrderBy(q => q.Name, StringComparer.Ordinal)];

    public TaskSpec? Task(string name) => _tasks.GetValueOrDefault(name);

    public QueueSpec Queue(string name) => _queues[name];

    /// <summary>The longest time a run may need to stop: Hangfire's shutdown must wait longer.</summary>
    public TimeSpan LongestStopTimeout => _tasks.Count == 0 ? TimeSpan.Zero : _tasks.Values.Max(t => t.StopTimeout);
}
